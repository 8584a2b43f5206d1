// The Problems panel: every dataset diagnostic (PL0xx) at its severity, and a
// risk finding (PLR001 information, PLR002 warning) for each example at or
// above the pack's elevated threshold: none for a suppressed example, a hint
// marked "(reviewed)" for a reviewed one.

import * as vscode from 'vscode';
import type { Diagnostic, Severity } from '../core/dataset/types';
import { riskDiagnostic } from '../core/score/riskDiagnostic';
import type { Reviews } from './reviews';
import type { Scans } from './scans';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export class Diagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('persona-lens');

  constructor(
    private readonly scans: Scans,
    private readonly reviews: Reviews,
  ) {}

  /** Publishes the document's current results (or clears them when it is no longer scanned). */
  update(uri: vscode.Uri): void {
    const scan = this.scans.get(uri);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!scan || !doc) {
      this.collection.delete(uri);
      return;
    }
    const out: vscode.Diagnostic[] = [];
    const decision = this.reviews.lookup(doc);
    for (const r of scan.results) {
      if (!r) continue;
      for (const d of r.diagnostics) out.push(toVscode(d, doc));
      const risk = r.result && riskDiagnostic(r.line, r.result);
      if (!risk) continue;
      const decided = decision(r.line - 1);
      if (decided === 'suppressed') continue;
      const shown = toVscode(risk, doc);
      if (decided === 'reviewed') {
        shown.severity = vscode.DiagnosticSeverity.Hint;
        shown.message += ' (reviewed)';
      }
      out.push(shown);
    }
    this.collection.set(uri, out);
  }

  dispose(): void {
    this.collection.dispose();
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
