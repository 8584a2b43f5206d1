// The diff report in an editor tab: the page core/diff/render/html.ts writes, in VS Code's
// theme colours, whose line numbers reveal their lines in either dataset, and which exports
// itself as Markdown, HTML or JSON. Each comparison gets its own tab.

import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiffReport } from '../../core/diff/report';
import { diffHtml } from '../../core/diff/render/html';
import { diffMarkdown } from '../../core/diff/render/markdown';
import { saveFile } from '../ask';
import { revealLine } from '../editor/revealLine';

/** What the report page sends. */
export type FromReport = { type: 'reveal'; side: 'a' | 'b'; line: number } | { type: 'export'; format: ExportFormat };

type ExportFormat = 'md' | 'html' | 'json';

const EXPORTS: Record<ExportFormat, { label: string; filters: Record<string, string[]>; text: (r: DiffReport) => string }> = {
  md: { label: 'Markdown', filters: { Markdown: ['md'] }, text: diffMarkdown },
  html: { label: 'HTML', filters: { HTML: ['html'] }, text: (r) => diffHtml(r) },
  json: { label: 'JSON', filters: { JSON: ['json'] }, text: (r) => `${JSON.stringify(r, null, 2)}\n` },
};

/** The page's script: a click on a line link or an export button becomes a message. */
const SCRIPT = `const vscode = acquireVsCodeApi();
document.addEventListener('click', (e) => {
  const link = e.target.closest('a[data-line]');
  if (link) { e.preventDefault(); vscode.postMessage({ type: 'reveal', side: link.dataset.side, line: Number(link.dataset.line) }); return; }
  const button = e.target.closest('button[data-export]');
  if (button) vscode.postMessage({ type: 'export', format: button.dataset.export });
});`;

/** The export buttons (made when a report opens: their text is in the display language). */
const toolbar = () => (Object.keys(EXPORTS) as ExportFormat[]).map((f) => `<button data-export="${f}">${vscode.l10n.t('Export {0}…', EXPORTS[f].label)}</button>`).join('');

/** Where each side's lines open: its file, its view at a git ref, or the editor's document. */
export interface ReportSides {
  a: vscode.Uri;
  b: vscode.Uri;
}

export class ReportView implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  /** The page as set (the tests read it). */
  readonly html: string;

  constructor(
    readonly report: DiffReport,
    private readonly sides: ReportSides,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.panel = vscode.window.createWebviewPanel('personaLens.diffReport', vscode.l10n.t('Diff: {0} → {1}', path.basename(report.a.file), path.basename(report.b.file)), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [],
    });
    this.html = diffHtml(report, { nonce: randomBytes(18).toString('base64'), script: SCRIPT, toolbar: `<p class="toolbar">${toolbar()}</p>` });
    this.panel.webview.html = this.html;
    this.panel.webview.onDidReceiveMessage((m: FromReport) => void this.receive(m).catch((e: Error) => this.fail(e)));
  }

  /** Handles a message from the page (or, in tests, one made up by the test); returns what it produced. */
  async receive(m: FromReport): Promise<string | undefined> {
    if (m.type === 'reveal') {
      // The report's tab stays in view: a dataset no editor shows opens beside it.
      await revealLine(this.sides[m.side === 'a' ? 'a' : 'b'], m.line, true, vscode.ViewColumn.Beside);
      return undefined;
    }
    const format = EXPORTS[m.format];
    if (!format) return undefined;
    const b = this.sides.b;
    const beside = b.scheme === 'file' ? vscode.Uri.file(b.fsPath.replace(/(\.jsonl)?(\.gz)?$/i, `.diff.${m.format}`)) : undefined;
    const target = await saveFile(vscode.l10n.t('Persona Lens: export the diff report as {0}', format.label), beside, format.filters);
    if (!target) return undefined;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(format.text(this.report)));
    void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: wrote the diff report to {0}.', target.fsPath));
    return target.fsPath;
  }

  /** Runs `listener` when the tab is closed. */
  onClose(listener: () => void): void {
    this.panel.onDidDispose(listener);
  }

  private fail(e: Error): void {
    this.log.error(`diff report: ${e.message}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Persona Lens: {0}', e.message));
  }

  dispose(): void {
    this.panel.dispose();
  }
}

/** The open reports, newest last. */
export class Reports implements vscode.Disposable {
  private readonly open: ReportView[] = [];

  add(view: ReportView): void {
    this.open.push(view);
    view.onClose(() => this.open.splice(this.open.indexOf(view), 1));
  }

  get newest(): ReportView | undefined {
    return this.open[this.open.length - 1];
  }

  dispose(): void {
    for (const view of [...this.open]) view.dispose();
  }
}
