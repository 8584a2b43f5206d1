// The Problems panel: every dataset diagnostic (PL0xx) at its severity, and a
// risk finding (PLR001 warning, PLR002 error: as the gutter shows them) for each
// example at or above the pack's elevated threshold: none for a suppressed example,
// a hint marked "(reviewed)" for a reviewed one. Risk findings go first, riskiest
// first, and past VS Code's 1,000 per file one entry counts the rest (problemsCap.ts).
//
// A 100k-line file can have tens of thousands: each line's are made once (per
// result and decision), and while a scan streams in they are published at
// most once a second, and less often as the set grows: VS Code copies the
// whole set to the window each time, in the extension host's thread (a few
// thousand took 0.25 s on the reference machine), so a publish waits 20 times
// as long as the last one took.

import * as vscode from 'vscode';
import type { Diagnostic, Severity } from '../../core/dataset/types';
import type { LineResult } from '../../core/score/types';
import type { Decision } from '../../core/review/reviewFile';
import { riskDiagnostic } from '../../core/score/riskDiagnostic';
import type { DatasetLines, Reviews } from '../review/reviews';
import type { Scans } from '../scan/scans';
import { capProblems } from './problemsCap';
import { Throttle } from '../scan/throttle';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** How often a streaming scan's diagnostics are published, at most. */
const STREAMING_PUBLISH_MS = 1000;
/** A streaming scan's next publish waits this many times as long as the last one took. */
const STREAMING_PAUSE = 20;

export class Diagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('persona-lens');
  /** Each result's diagnostics, made for the decision on its line then. */
  private readonly made = new WeakMap<LineResult, Made>();
  private readonly publishing = new Throttle(STREAMING_PUBLISH_MS);
  /** How long the last publish of each document took, ms. */
  private readonly took = new Map<string, number>();

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
      this.publishing.forget(key);
      this.took.delete(key);
      this.collection.delete(uri);
      return;
    }
    const publish = () => {
      const start = performance.now();
      this.publish(doc, scan.results);
      this.took.set(key, performance.now() - start);
    };
    if (scan.scanning) this.publishing.run(key, publish, Math.max(STREAMING_PUBLISH_MS, STREAMING_PAUSE * (this.took.get(key) ?? 0)));
    else this.publishing.now(key, publish);
  }

  /**
   * Publishes the results of a file scanned without being opened (Scan
   * Workspace). Once the file is open, its document's results take over.
   */
  showClosed(lines: DatasetLines, results: readonly LineResult[]): void {
    if (!this.scans.get(lines.uri)) this.publish(lines, results);
  }

  private publish(lines: DatasetLines, results: readonly (LineResult | undefined)[]): void {
    const decision = this.reviews.lookup(lines);
    const risk: Array<{ item: vscode.Diagnostic; risk: number }> = [];
    const others: Array<{ item: vscode.Diagnostic; rank: number }> = [];
    for (const r of results) {
      if (!r) continue;
      const made = this.of(r, decision(r.line - 1), lines);
      if (made.risk) risk.push({ item: made.risk, risk: r.result!.risk });
      for (const d of made.others) others.push({ item: d, rank: d.severity });
    }
    const { shown, hidden } = capProblems(risk, others);
    if (hidden.risk + hidden.other > 0) shown.push(moreEntry(hidden.risk, hidden.other));
    this.collection.set(lines.uri, shown);
  }

  dispose(): void {
    this.publishing.dispose();
    this.collection.dispose();
  }

  private of(r: LineResult, decided: Decision | undefined, doc: DatasetLines): Made {
    const known = this.made.get(r);
    if (known && known.decided === decided) return known;
    const others = r.diagnostics.map((d) => toVscode(d, doc));
    const risk = r.result && riskDiagnostic(r.line, r.result);
    let finding: vscode.Diagnostic | null = null;
    if (risk && decided !== 'suppressed') {
      finding = toVscode(risk, doc);
      // As the gutter shows them: elevated an amber triangle, high an octagon.
      finding.severity = r.result!.level === 'high' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
      if (decided === 'reviewed') {
        finding.severity = vscode.DiagnosticSeverity.Hint;
        finding.message += vscode.l10n.t(' (reviewed)');
      }
    }
    const made = { decided, risk: finding, others };
    this.made.set(r, made);
    return made;
  }
}

interface Made {
  decided: Decision | undefined;
  risk: vscode.Diagnostic | null;
  others: vscode.Diagnostic[];
}

/** The entry that stands for what the cap left out, at the top of the file. */
function moreEntry(risk: number, other: number): vscode.Diagnostic {
  const what =
    risk > 0 && other > 0
      ? vscode.l10n.t('{0} risk findings and {1} other diagnostics', risk, other)
      : risk > 0
        ? vscode.l10n.t('{0} risk findings', risk)
        : vscode.l10n.t('{0} other diagnostics', other);
  const out = new vscode.Diagnostic(
    new vscode.Range(0, 0, 0, 0),
    vscode.l10n.t('{0} more findings ({1}) are not listed here: open the Persona Lens panel to see every line.', risk + other, what),
    vscode.DiagnosticSeverity.Information,
  );
  out.source = 'Persona Lens';
  return out;
}

function toVscode(d: Diagnostic, doc: DatasetLines): vscode.Diagnostic {
  // Without a span the whole line is meant. Results can lag an edit by a moment,
  // so the line may be gone from the document: then it is clamped.
  const line = Math.max(0, Math.min(d.line - 1, doc.lineCount - 1));
  const range = d.span ? new vscode.Range(d.line - 1, d.span.start, d.line - 1, d.span.end) : new vscode.Range(line, 0, line, doc.lineAt(line).text.length);
  const out = new vscode.Diagnostic(range, d.message, SEVERITY[d.severity]);
  out.code = d.code;
  out.source = 'Persona Lens';
  return out;
}
