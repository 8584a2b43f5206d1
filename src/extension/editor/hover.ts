// The hover on a scanned example's line: its risk, raw score, percentile in
// the file, top tokens, format, review decision and links to rescan and to
// decide. The Markdown is built by riskText.ts, where all dataset text becomes
// code; links may run only the extension's own commands named here.

import * as vscode from 'vscode';
import type { Verdicts } from '../judge';
import type { Reviews } from '../review/reviews';
import { commandUri, hoverMarkdown } from './riskText';
import type { Scans } from '../scan/scans';

/** The commands the hover links to: the rescan takes a document's uri string, the decisions that and a 0-based line; explain none. */
export interface HoverCommands {
  rescan: string;
  markReviewed: string;
  suppress: string;
  reject: string;
  clear: string;
  explain: string;
  /** Opens the inspector on a document's uri string and a 0-based line. */
  inspect: string;
}

export class RiskHover implements vscode.HoverProvider {
  constructor(
    private readonly scans: Scans,
    private readonly reviews: Reviews,
    private readonly verdicts: Verdicts,
    private readonly commands: HoverCommands,
  ) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const scan = this.scans.get(doc.uri);
    const line = scan?.results[position.line];
    if (!scan || !line?.result) return undefined;
    const uri = doc.uri.toString();
    const at = position.line;
    const decision = line.result.level === 'low' ? undefined : this.reviews.lookup(doc)(at);
    const { rescan, markReviewed, suppress, reject, clear, explain, inspect } = this.commands;
    const links: Array<[string, string]> = [
      [vscode.l10n.t('Inspect example'), commandUri(inspect, [uri, at])],
      [vscode.l10n.t('Rescan file'), commandUri(rescan, [uri])],
    ];
    // Decisions concern flagged examples, in a saved file (the sidecar sits beside it).
    if (line.result.level !== 'low' && doc.uri.scheme === 'file') {
      if (decision !== 'reviewed') links.push([vscode.l10n.t('Mark reviewed'), commandUri(markReviewed, [uri, at])]);
      if (decision !== 'suppressed') links.push([vscode.l10n.t('Suppress risk'), commandUri(suppress, [uri, at])]);
      if (decision !== 'rejected') links.push([vscode.l10n.t('Reject example'), commandUri(reject, [uri, at])]);
      if (decision) links.push([vscode.l10n.t('Clear review decision'), commandUri(clear, [uri, at])]);
    }
    const md = new vscode.MarkdownString(
      hoverMarkdown({
        result: line.result,
        format: line.format,
        fileRisks: scan.results.flatMap((r) => (r?.result ? [r.result.risk] : [])),
        label: line.result.persona ?? null,
        decision,
        verdict: this.verdicts.lookup(doc)(at),
        links,
        prior: scan.pack?.prior ?? null,
        explain: commandUri(explain, []),
      }),
    );
    md.isTrusted = { enabledCommands: [rescan, markReviewed, suppress, reject, clear, explain, inspect] };
    return new vscode.Hover(md, doc.lineAt(position.line).range);
  }
}
