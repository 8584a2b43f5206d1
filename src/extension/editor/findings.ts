// Findings a reviewer sees without scrolling sideways: a CodeLens above each flagged
// example (risk, level and, only when the pack has one, the persona latent's label),
// and commands that move to the next or previous flagged example (Ctrl+Alt+] / Ctrl+Alt+[
// in JSON Lines; Alt+F8 stays VS Code's next problem). Suppressed examples are left out.

import * as vscode from 'vscode';
import { flagged, leavesWindow, lensWindow, nextFinding } from './flagged';
import type { Reviews } from '../review/reviews';
import { lensTitle } from './riskText';
import { onScreen, type Scans } from '../scan/scans';

export class FindingLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly scans: Scans,
    private readonly reviews: Reviews,
    private readonly enabled: () => boolean,
    private readonly inspect: string,
  ) {}

  /** The lines each document's lenses were last given for. */
  private readonly windows = new Map<string, { from: number; to: number }>();

  /** The results or decisions changed: VS Code asks again (it debounces the asking itself). */
  refresh(): void {
    this.changed.fire();
  }

  /** The editor scrolled: asks again once the screen nears the edge of the lines that have lenses. */
  scrolled(editor: vscode.TextEditor): void {
    const window = this.windows.get(editor.document.uri.toString());
    const screen = onScreen(editor);
    if (window && screen && leavesWindow(window, screen, editor.document.lineCount)) this.changed.fire();
  }

  /** Lenses for the flagged examples near the screens of the editors showing `doc` (LENS_MARGIN). */
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const scan = this.scans.get(doc.uri);
    if (!scan || !this.enabled()) return [];
    const key = doc.uri.toString();
    const screens = vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === key).flatMap((e) => onScreen(e) ?? []);
    const window = lensWindow(screens, doc.lineCount);
    this.windows.set(key, window);
    const decision = this.reviews.lookup(doc);
    const out: vscode.CodeLens[] = [];
    for (const r of flagged(scan.results.slice(window.from, window.to))) {
      const at = r.line - 1;
      const decided = decision(at);
      if (decided === 'suppressed' || at >= doc.lineCount) continue;
      out.push(
        new vscode.CodeLens(new vscode.Range(at, 0, at, 0), {
          title: lensTitle(r.result!.risk, r.result!.level, r.result!.persona ?? null, decided),
          tooltip: vscode.l10n.t('Persona Lens: inspect this example'),
          command: this.inspect,
          arguments: [doc.uri.toString(), at],
        }),
      );
    }
    return out;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Moves the active editor's cursor to the next (or previous) finding and reveals it. */
export function goToFinding(scans: Scans, reviews: Reviews, direction: 1 | -1): number | null {
  const editor = vscode.window.activeTextEditor;
  const scan = editor && scans.get(editor.document.uri);
  if (!editor || !scan) return null;
  const decision = reviews.lookup(editor.document);
  const line = nextFinding(scan.results, editor.selection.active.line, direction, (l) => decision(l) === 'suppressed');
  if (line === null) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: no flagged example in this file.'));
    return null;
  }
  const at = new vscode.Position(line, 0);
  editor.selection = new vscode.Selection(at, at);
  editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return line;
}
