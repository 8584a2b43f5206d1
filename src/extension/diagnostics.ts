// The Problems panel: every dataset diagnostic (PL0xx) at its severity, and a
// risk finding (PLR001 information, PLR002 warning) for each example at or
// above the pack's elevated threshold: none for a suppressed example, a hint
// marked "(reviewed)" for a reviewed one.
//
// A 100k-line file can have tens of thousands: each line's are made once (per
// result and decision), and while a scan streams in they are published at
// most once a second (VS Code copies the whole set to the window each time).

import * as vscode from 'vscode';
import type { Diagnostic, Severity } from '../core/dataset/types';
import type { LineResult } from '../core/score/types';
import type { Decision } from './reviewFile';
import { riskDiagnostic } from '../core/score/riskDiagnostic';
import type { Reviews } from './reviews';
import type { Scans } from './scans';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** How often a streaming scan's diagnostics are published, at most. */
const STREAMING_PUBLISH_MS = 1000;

export class Diagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('persona-lens');
  /** Each result's diagnostics, made for the decision on its line then. */
  private readonly made = new WeakMap<LineResult, { decided: Decision | undefined; shown: vscode.Diagnostic[] }>();
  /** Documents whose streaming results wait to be published, and when they last were. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly published = new Map<string, number>();

  constructor(
    private readonly scans: Scans,
    private readonly reviews: Reviews,
  ) {}

  /** Publishes the document's current results (or clears them when it is no longer scanned). */
  update(uri: vscode.Uri): void {
    const key = uri.toString();
    const scan = this.scans.get(uri);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    if (!scan || !doc) {
      this.forget(key);
      this.published.delete(key);
      this.collection.delete(uri);
      return;
    }
    if (scan.scanning) {
      if (this.timers.has(key)) return;
      const wait = (this.published.get(key) ?? -Infinity) + STREAMING_PUBLISH_MS - performance.now();
      if (wait > 0) {
        this.timers.set(key, setTimeout(() => (this.timers.delete(key), this.update(uri)), wait));
        return;
      }
    }
    this.forget(key);
    this.published.set(key, performance.now());
    const decision = this.reviews.lookup(doc);
    const out: vscode.Diagnostic[] = [];
    for (const r of scan.results) if (r) out.push(...this.of(r, decision(r.line - 1), doc));
    this.collection.set(uri, out);
  }

  dispose(): void {
    this.timers.forEach(clearTimeout);
    this.collection.dispose();
  }

  private forget(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  private of(r: LineResult, decided: Decision | undefined, doc: vscode.TextDocument): vscode.Diagnostic[] {
    const known = this.made.get(r);
    if (known && known.decided === decided) return known.shown;
    const shown = r.diagnostics.map((d) => toVscode(d, doc));
    const risk = r.result && riskDiagnostic(r.line, r.result);
    if (risk && decided !== 'suppressed') {
      const finding = toVscode(risk, doc);
      if (decided === 'reviewed') {
        finding.severity = vscode.DiagnosticSeverity.Hint;
        finding.message += ' (reviewed)';
      }
      shown.push(finding);
    }
    this.made.set(r, { decided, shown });
    return shown;
  }
}

function toVscode(d: Diagnostic, doc: vscode.TextDocument): vscode.Diagnostic {
  const line = d.line - 1;
  // Without a span the whole line is meant. Results can lag an edit by a moment,
  // so the line may be gone from the document: then it is clamped.
  const range = d.span
    ? new vscode.Range(line, d.span.start, line, d.span.end)
    : doc.validateRange(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER));
  const out = new vscode.Diagnostic(range, d.message, SEVERITY[d.severity]);
  out.code = d.code;
  out.source = 'Persona Lens';
  return out;
}
