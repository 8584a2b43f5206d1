// The example inspector: a tab beside the editor showing the example at the cursor (or the one
// a hover, a CodeLens, the panel or a quick fix names) as a conversation, with what raised its
// risk shaded, the pack's named latents as they fired on it, and the review actions. It follows
// the cursor while it is open; its page is inspectorHtml.ts.

import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseLine } from '../../core/dataset/index';
import { inspectExample } from '../../core/review/inspect';
import type { Decision } from '../../core/review/reviewFile';
import type { ScanHost } from '../../worker/client';
import { nextFinding } from '../editor/flagged';
import { inspectorHtml, type InspectorView } from './inspectorHtml';
import { revealLine } from '../editor/revealLine';
import type { Reviews } from '../review/reviews';
import type { Scans } from '../scan/scans';

/** What the page sends. */
export type FromInspector = { type: 'decide'; decision: Decision | 'clear' } | { type: 'go'; direction: 1 | -1 } | { type: 'reveal' };

const SCRIPT = `const vscode = acquireVsCodeApi();
document.addEventListener('click', (e) => {
  const b = e.target.closest('button');
  if (!b || b.disabled) return;
  if (b.dataset.decide) vscode.postMessage({ type: 'decide', decision: b.dataset.decide });
  else if (b.dataset.go) vscode.postMessage({ type: 'go', direction: Number(b.dataset.go) });
  else if ('reveal' in b.dataset) vscode.postMessage({ type: 'reveal' });
});`;

export class Inspector implements vscode.Disposable {
  private panel: vscode.WebviewPanel | null = null;
  private shown: { uri: vscode.Uri; line: number } | null = null;
  /** The page as last set, and what it showed (the tests read them). */
  private view: InspectorView | null = null;
  private html = '';
  private readonly subscriptions: vscode.Disposable[];
  /** Bumped by every show: latents that come back for an older one are dropped. */
  private generation = 0;

  constructor(
    private readonly scans: Scans,
    private readonly reviews: Reviews,
    private readonly host: () => Promise<ScanHost>,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [
      vscode.window.onDidChangeTextEditorSelection((e) => {
        const { uri } = e.textEditor.document;
        const line = e.selections[0].active.line;
        const same = this.shown?.uri.toString() === uri.toString() && this.shown.line === line;
        if (this.panel && !same && this.scans.get(uri)) void this.show(uri, line);
      }),
      scans.onDidChange((uri) => {
        if (this.shown && uri.toString() === this.shown.uri.toString()) void this.show(this.shown.uri, this.shown.line);
      }),
      reviews.onDidChange(() => this.shown && void this.show(this.shown.uri, this.shown.line)),
    ];
  }

  /** Opens (or updates) the inspector on 0-based `line` of `uri`: by default the active editor's cursor line. */
  async inspect(uri?: vscode.Uri | string, line?: number): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri ?? editor?.document.uri;
    const at = line ?? editor?.selection.active.line;
    if (!target || at === undefined || !this.scans.get(target)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: put the cursor on an example of a scanned dataset to inspect it.'));
      return;
    }
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('personaLens.inspector', vscode.l10n.t('Persona Lens: Example'), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [] });
      this.panel.webview.onDidReceiveMessage((m: FromInspector) => void this.receive(m).catch((e: Error) => this.log.error(`inspector: ${e.message}`)));
      this.panel.onDidDispose(() => {
        this.panel = null;
        this.shown = null;
      });
    }
    await this.show(target, at);
  }

  /** What the inspector shows now (tests). */
  state(): { view: InspectorView | null; html: string } {
    return { view: this.view, html: this.html };
  }

  /** Handles a message from the page (or, in tests, one made up by the test). */
  async receive(m: FromInspector): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    const doc = await vscode.workspace.openTextDocument(shown.uri);
    if (m.type === 'reveal') return revealLine(shown.uri, shown.line + 1, true, vscode.ViewColumn.One);
    if (m.type === 'decide') return this.reviews.decide(doc, [shown.line], m.decision === 'clear' ? null : m.decision);
    const scan = this.scans.get(shown.uri);
    const decision = this.reviews.lookup(doc);
    const next = scan && nextFinding(scan.results, shown.line, m.direction, (l) => decision(l) === 'suppressed');
    if (next === null || next === undefined) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: no flagged example in this file.'));
      return;
    }
    // The editor follows, without taking the keyboard from the inspector.
    await revealLine(shown.uri, next + 1, false, vscode.ViewColumn.One);
    await this.show(shown.uri, next);
  }

  private async show(uri: vscode.Uri, line: number): Promise<void> {
    const panel = this.panel;
    const scan = this.scans.get(uri);
    if (!panel || !scan) return;
    const doc = await vscode.workspace.openTextDocument(uri);
    if (line >= doc.lineCount) return;
    const generation = ++this.generation;
    this.shown = { uri, line };
    const text = doc.lineAt(line).text;
    const r = scan.results[line];
    const parsed = parseLine({ line: line + 1, byteStart: 0, byteEnd: text.length, text, issues: [] });
    const view: InspectorView = {
      file: path.basename(uri.path),
      line: line + 1,
      result: r?.result ?? null,
      problem: r?.diagnostics.find((d) => d.severity === 'error')?.message ?? (text.trim() === '' ? vscode.l10n.t('the line is blank') : null),
      messages: parsed.example ? inspectExample(parsed.example, r?.result?.topTokens ?? []) : [],
      decision: this.reviews.lookup(doc)(line),
      decidable: uri.scheme === 'file',
      prior: scan.pack?.prior ?? null,
      named: scan.pack?.named ?? [],
      latents: null,
    };
    this.render(panel, view, vscode.l10n.t('Example: {0}:{1}', view.file, view.line));
    if (!parsed.example || !r?.result) return;
    try {
      const latents = await (await this.host()).latents(text);
      if (generation === this.generation && this.panel === panel) this.render(panel, { ...view, latents }, panel.title);
    } catch (e) {
      this.log.warn(`inspector: the example's latents: ${(e as Error).message}`);
    }
  }

  private render(panel: vscode.WebviewPanel, view: InspectorView, title: string): void {
    this.view = view;
    this.html = inspectorHtml(view, randomBytes(18).toString('base64'), SCRIPT);
    panel.title = title;
    panel.webview.html = this.html;
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    this.panel?.dispose();
  }
}
