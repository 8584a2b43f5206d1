// The hover on a scanned example's line: its risk, raw score, percentile in
// the file, top tokens, format and a link to rescan. The Markdown is built by
// riskText.ts, where all dataset text becomes code; links may run only this
// extension's rescan command.

import * as vscode from 'vscode';
import { commandUri, hoverMarkdown, personaLabel } from './riskText';
import type { Scans } from './scans';

export class RiskHover implements vscode.HoverProvider {
  constructor(
    private readonly scans: Scans,
    /** The command that rescans a document, given its uri as a string. */
    private readonly rescanCommand: string,
  ) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const scan = this.scans.get(doc.uri);
    const line = scan?.results[position.line];
    if (!scan || !line?.result) return undefined;
    const md = new vscode.MarkdownString(
      hoverMarkdown({
        result: line.result,
        format: line.format,
        fileRisks: scan.results.flatMap((r) => (r?.result ? [r.result.risk] : [])),
        label: scan.pack && personaLabel(scan.pack.readout),
        rescan: commandUri(this.rescanCommand, [doc.uri.toString()]),
      }),
    );
    md.isTrusted = { enabledCommands: [this.rescanCommand] };
    return new vscode.Hover(md, doc.lineAt(position.line).range);
  }
}
