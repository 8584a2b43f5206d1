// The side panel: a webview view showing the active scanned document's risk,
// histogram and examples table (the page is webview/, the messages
// panelProtocol.ts). It follows the active editor, reveals lines the user
// clicks, and copies, exports or records a decision on the lines they select.

import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { panelHtml } from './panelHtml';
import type { Decision, FromWebview, RenderedState, TestAction, ToWebview } from './panelProtocol';
import type { LineResult } from '../../core/score/types';
import type { Verdicts } from '../judge';
import { panelDataset, panelHead, rowsDelta } from './panelRows';
import { revealLine } from '../editor/revealLine';
import type { Reviews } from '../review/reviews';
import type { Scans } from '../scan/scans';
import { announceSubset, writeSubset } from '../review/subsetFile';

export const PANEL_VIEW = 'personaLens.panel';

/** While a scan streams in, the panel is sent what changed at most this often. */
const STREAMING_POST_MS = 1000;
const TEST_REPLY_MS = 10_000;

export class DatasetPanel implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | null = null;
  private ready = false;
  /** The document shown: the active editor's while it is scanned, else the last one that was. */
  private shown: vscode.Uri | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** The document whose rows the page holds, and the results (by line index) they were made from; null when it holds none. */
  private sent: { uri: string; results: (LineResult | undefined)[] } | null = null;
  private readonly replies = new Map<number, (state: RenderedState) => void>();
  private nextId = 1;

  constructor(
    private readonly scans: Scans,
    private readonly reviews: Reviews,
    private readonly verdicts: Verdicts,
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    /** Opens the inspector on a document's 0-based line. */
    private readonly inspect: (uri: vscode.Uri, line: number) => Promise<void>,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    this.sent = null;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const { webview } = view;
    webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      script: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      style: webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css')).toString(),
      l10n: vscode.l10n.bundle,
    });
    const subscriptions = [
      webview.onDidReceiveMessage((m: FromWebview) => void this.receive(m).catch((e: Error) => this.fail(e))),
      view.onDidChangeVisibility(() => this.post()),
    ];
    view.onDidDispose(() => {
      subscriptions.forEach((d) => d.dispose());
      if (this.view === view) this.view = null;
    });
    this.follow();
  }

  /** The active editor or a document's scan changed (`changed`, when a scan did). */
  update(changed?: vscode.Uri): void {
    const before = this.shown?.toString();
    this.follow();
    const now = this.shown?.toString();
    if (now !== before) this.post();
    else if (changed && changed.toString() === now) this.schedule();
  }

  /** Handles a message from the page (or, in tests, one made up by the test); returns what it produced. */
  async receive(m: FromWebview): Promise<unknown> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.post();
        return undefined;
      case 'reveal':
        return this.reveal(m.line, m.focus === true);
      case 'inspect':
        return this.shown ? this.inspect(this.shown, m.line - 1) : undefined;
      case 'search':
        return this.search(m.id, m.text);
      case 'copyLines':
        await vscode.env.clipboard.writeText(m.lines.join(', '));
        vscode.window.setStatusBarMessage(vscode.l10n.t('Persona Lens: copied {0} line number(s)', m.lines.length), 3000);
        return m.lines;
      case 'exportLines':
        return this.export(m.lines);
      case 'decideLines':
        return this.decide(m.lines, m.decision);
      case 'state':
        this.replies.get(m.id)?.(m.state);
        this.replies.delete(m.id);
        return undefined;
    }
  }

  /** Test mode: has the page do `action` (if any) and report what it shows then. */
  testState(action?: TestAction): Promise<RenderedState> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.view || !this.ready) return reject(new Error('the panel is not showing'));
      const timer = setTimeout(() => {
        this.replies.delete(id);
        reject(new Error('the panel did not answer'));
      }, TEST_REPLY_MS);
      this.replies.set(id, (state) => {
        clearTimeout(timer);
        resolve(state);
      });
      this.send({ type: 'test', id, action });
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private follow(): void {
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active && this.scans.get(active)) this.shown = active;
    else if (this.shown && !this.scans.get(this.shown)) this.shown = null;
  }

  /** Sends the rows now, or (while the scan streams in) what changed within STREAMING_POST_MS. */
  private schedule(): void {
    const scanning = this.shown && this.scans.get(this.shown)?.scanning;
    if (!scanning) this.post();
    else this.timer ??= setTimeout(() => this.post(true), STREAMING_POST_MS);
  }

  /** Sends the shown dataset: whole, or with `streaming` only what changed if the page holds its rows. */
  private post(streaming = false): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.view?.visible || !this.ready) {
      this.sent = null;
      return;
    }
    const scan = this.shown && this.scans.get(this.shown);
    const doc = scan && vscode.workspace.textDocuments.find((d) => d.uri.toString() === scan.uri.toString());
    if (!scan || !doc) {
      this.sent = null;
      return this.send({ type: 'dataset', dataset: null });
    }
    const decision = this.reviews.lookup(doc);
    const verdict = this.verdicts.lookup(doc);
    const lines = {
      // Results may trail an edit by a moment: a line past the end has no text yet.
      text: (line: number) => (line <= doc.lineCount ? doc.lineAt(line - 1).text : ''),
      decision: (line: number) => decision(line - 1),
      verdict: (line: number) => verdict(line - 1),
    };
    const file = path.basename(scan.uri.path);
    const uri = scan.uri.toString();
    if (streaming && this.sent?.uri === uri) {
      return this.send({ type: 'rows', head: panelHead(file, scan), delta: rowsDelta(scan.results, this.sent.results, lines) });
    }
    this.sent = { uri, results: scan.results.slice() };
    this.send({ type: 'dataset', dataset: panelDataset(file, scan, lines) });
  }

  private send(m: ToWebview): void {
    void this.view?.webview.postMessage(m);
  }

  /** Moves the cursor to the line. A click keeps the keyboard in the panel (the arrows go on moving through rows); Enter moves it. */
  private async reveal(line: number, focus: boolean): Promise<void> {
    if (this.shown) await revealLine(this.shown, line, focus);
  }

  /**
   * The lines of the shown document whose text holds `text`, case-insensitive: the filter
   * searches whole examples, not only the snippets the page holds. A few thousand lines at a
   * time, yielding between, so a 100k-line file never holds the extension host.
   */
  private async search(id: number, text: string): Promise<number[]> {
    const doc = this.shown && vscode.workspace.textDocuments.find((d) => d.uri.toString() === this.shown!.toString());
    const needle = text.trim().toLowerCase();
    const lines: number[] = [];
    if (doc && needle) {
      for (let i = 0; i < doc.lineCount; i++) {
        if (doc.lineAt(i).text.toLowerCase().includes(needle)) lines.push(i + 1);
        if (i % 5000 === 4999) await new Promise((r) => setImmediate(r));
      }
    }
    this.send({ type: 'found', id, lines });
    return lines;
  }

  /** Records the decision on the lines (1-based); the reviews' change event redraws everything, the panel too. */
  private async decide(lines: number[], decision: Decision | null): Promise<number[]> {
    if (!this.shown || lines.length === 0) return [];
    const doc = await vscode.workspace.openTextDocument(this.shown);
    const valid = lines.filter((l) => Number.isInteger(l) && l >= 1 && l <= doc.lineCount);
    await this.reviews.decide(doc, valid.map((l) => l - 1), decision);
    return valid;
  }

  private async export(lines: number[]): Promise<string | undefined> {
    if (!this.shown || lines.length === 0) return undefined;
    const doc = await vscode.workspace.openTextDocument(this.shown);
    const file = await writeSubset(doc, lines, 'selected');
    announceSubset(file, lines.length);
    return file;
  }

  private fail(e: Error): void {
    this.log.error(`panel: ${e.message}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Persona Lens: {0}', e.message));
  }
}
