// Inline decorations in the manner of Error Lens, drawn from the scans'
// results in visible editors: an overview-ruler mark for every flagged example
// (merged past 2000 lines: the ruler has fewer pixels), and a gutter icon, an
// end-of-line badge and highlights of a high-risk example's top tokens near the
// visible lines only (a 100k-line file must not cost marks on every flagged
// line on every streamed update: sending 12k ranges held the extension host 0.27 s).

import * as vscode from 'vscode';
import { flaggedLines, rulerMarks, windowMarks, type Flagged } from './decorationPlan';
import type { Reviews } from '../review/reviews';
import { onScreen, type DocumentScan, type Scans } from '../scan/scans';
import type { DecorationStyle } from '../settings';
import { Throttle } from '../scan/throttle';

const TYPE_NAMES = ['gutter.elevated', 'gutter.high', 'ruler.elevated', 'ruler.high', 'badge', 'tokens'] as const;
export type DecorationTypeName = (typeof TYPE_NAMES)[number];
/** The types that follow the visible lines (redrawn on scroll). */
const WINDOW_TYPES: readonly DecorationTypeName[] = ['gutter.elevated', 'gutter.high', 'badge', 'tokens'];
const SHOWN: Record<DecorationStyle, readonly DecorationTypeName[]> = {
  full: TYPE_NAMES,
  gutter: ['gutter.elevated', 'gutter.high'],
  off: [],
};
/** How often a streaming scan's ruler marks are redrawn, at most (each redraw sends every flagged line's). */
const WHOLE_FILE_MS = 1000;
/** Lines above and below the visible ones that get gutter icons and badges too, so a short scroll shows them at once. */
const MARGIN = 100;

/** One object per colour, so that badges compare by it (see sameMarks). */
const BADGE_COLOR: Record<Flagged, vscode.ThemeColor> = {
  elevated: new vscode.ThemeColor('personaLens.elevatedRiskForeground'),
  high: new vscode.ThemeColor('personaLens.highRiskForeground'),
};

/** Whether two lists of decorations mark the same ranges with the same badges. */
function sameMarks(a: readonly vscode.DecorationOptions[], b: readonly vscode.DecorationOptions[]): boolean {
  const badge = (o: vscode.DecorationOptions) => o.renderOptions?.after;
  return a.length === b.length && a.every((o, i) => o.range.isEqual(b[i].range) && badge(o)?.contentText === badge(b[i])?.contentText && badge(o)?.color === badge(b[i])?.color);
}

/** What an editor shows now, per decoration type; the test query reports it. */
export interface AppliedDecorations {
  uri: string;
  types: Record<DecorationTypeName, Array<{ range: [number, number, number, number]; badge?: string }>>;
}

export class Decorations implements vscode.Disposable {
  private readonly types: Record<DecorationTypeName, vscode.TextEditorDecorationType>;
  /** What each editor shows, drawn at which version of its document. */
  private readonly applied = new Map<vscode.TextEditor, { version: number; sets: Record<DecorationTypeName, vscode.DecorationOptions[]> }>();
  /** Paces the redraws of every flagged line's marks while results stream in. */
  private readonly whole = new Throttle(WHOLE_FILE_MS);
  /** Hidden by the toggle command, for this window only; the setting says what shows otherwise. */
  private hidden = false;

  constructor(
    private readonly scans: Scans,
    private readonly reviews: Reviews,
    private readonly style: () => DecorationStyle,
    media: vscode.Uri,
  ) {
    const gutter = (level: Flagged) => vscode.window.createTextEditorDecorationType({ gutterIconPath: vscode.Uri.joinPath(media, `risk-${level}.svg`), gutterIconSize: 'contain' });
    const ruler = (level: Flagged) =>
      vscode.window.createTextEditorDecorationType({
        overviewRulerColor: new vscode.ThemeColor(`personaLens.${level}RiskOverviewRuler`),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
      });
    this.types = {
      'gutter.elevated': gutter('elevated'),
      'gutter.high': gutter('high'),
      'ruler.elevated': ruler('elevated'),
      'ruler.high': ruler('high'),
      // The badge's look is given per line (with its text): VS Code drops a type's
      // `after` style when a decoration brings its own `after`.
      badge: vscode.window.createTextEditorDecorationType({}),
      tokens: vscode.window.createTextEditorDecorationType({
        backgroundColor: new vscode.ThemeColor('personaLens.riskTokenBackground'),
        border: '1px solid',
        borderColor: new vscode.ThemeColor('personaLens.riskTokenBorder'),
        borderRadius: '2px',
      }),
    };
  }

  /** Hides or shows the decorations; returns whether they show now. */
  toggle(): boolean {
    this.hidden = !this.hidden;
    this.refresh();
    return !this.hidden;
  }

  /**
   * Redraws the visible editors of a document whose results changed. While its
   * scan streams in, the marks near the visible lines follow every change,
   * the ruler's marks once a second.
   */
  update(uri: vscode.Uri): void {
    const key = uri.toString();
    const editors = vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === key);
    const drawAll = () => editors.forEach((e) => this.draw(e, TYPE_NAMES));
    if (!this.scans.get(uri)?.scanning) return this.whole.now(key, drawAll);
    if (!this.whole.run(key, drawAll)) editors.forEach((e) => this.draw(e, WINDOW_TYPES));
  }

  /** Redraws every visible editor (the style changed, or which editors are visible). */
  refresh(): void {
    const visible = new Set(vscode.window.visibleTextEditors);
    for (const editor of this.applied.keys()) if (!visible.has(editor)) this.applied.delete(editor);
    for (const editor of visible) this.draw(editor, TYPE_NAMES);
  }

  /** The editor scrolled: its gutter icons, badges and token highlights follow the visible lines. */
  scrolled(editor: vscode.TextEditor): void {
    this.draw(editor, WINDOW_TYPES);
  }

  /** What each visible editor shows now. */
  snapshot(): AppliedDecorations[] {
    return [...this.applied.entries()].map(([editor, { sets }]) => ({
      uri: editor.document.uri.toString(),
      types: Object.fromEntries(
        TYPE_NAMES.map((name) => [
          name,
          sets[name].map((o) => ({
            range: [o.range.start.line, o.range.start.character, o.range.end.line, o.range.end.character] as [number, number, number, number],
            ...(o.renderOptions?.after?.contentText !== undefined && { badge: o.renderOptions.after.contentText }),
          })),
        ]),
      ) as AppliedDecorations['types'],
    }));
  }

  dispose(): void {
    this.whole.dispose();
    for (const type of Object.values(this.types)) type.dispose();
    this.applied.clear();
  }

  private draw(editor: vscode.TextEditor, names: readonly DecorationTypeName[]): void {
    const shown = new Set(SHOWN[this.hidden ? 'off' : this.style()]);
    let applied = this.applied.get(editor);
    if (!applied) {
      applied = { version: editor.document.version, sets: Object.fromEntries(TYPE_NAMES.map((n) => [n, []])) as unknown as Record<DecorationTypeName, vscode.DecorationOptions[]> };
      this.applied.set(editor, applied);
    }
    const { sets } = applied;
    // Types neither shown nor showing anything are left alone: no call into the editor for them.
    const touched = names.filter((n) => shown.has(n) || sets[n].length > 0);
    const scan = this.scans.get(editor.document.uri);
    const planned = scan && touched.some((n) => shown.has(n)) ? this.plan(editor, scan, names === WINDOW_TYPES) : {};
    // The editor moves its marks with an edit: after one, what it shows is not what was drawn.
    const edited = applied.version !== editor.document.version;
    applied.version = editor.document.version;
    for (const name of touched) {
      const next = shown.has(name) ? (planned[name] ?? []) : [];
      // The same marks again would cost a message to the window for nothing (a scan far from the screen redraws often).
      if (!edited && sameMarks(sets[name], next)) continue;
      sets[name] = next;
      editor.setDecorations(this.types[name], next);
    }
  }

  /** The decorations for the editor's results: of every type, or of the window types only. */
  private plan(editor: vscode.TextEditor, scan: DocumentScan, windowOnly: boolean): Partial<Record<DecorationTypeName, vscode.DecorationOptions[]>> {
    const doc = editor.document;
    const out: Partial<Record<DecorationTypeName, vscode.DecorationOptions[]>> = {};
    const decision = this.reviews.lookup(doc);
    // Results can lag an edit by a moment: lines past the end are skipped, columns clamped.
    if (!windowOnly) {
      const flagged = flaggedLines(scan.results.slice(0, doc.lineCount), decision);
      for (const level of ['elevated', 'high'] as const) {
        out[`ruler.${level}`] = rulerMarks(flagged[level], doc.lineCount).map(([first, last]) => ({ range: new vscode.Range(first, 0, last, 0) }));
      }
    }
    const screen = onScreen(editor) ?? { first: 1, last: 1 };
    const from = Math.max(0, screen.first - 1 - MARGIN);
    const to = Math.min(doc.lineCount, screen.last + MARGIN);
    const near = flaggedLines(scan.results.slice(from, to), (i) => decision(from + i));
    for (const level of ['elevated', 'high'] as const) {
      out[`gutter.${level}`] = near[level].map((i) => ({ range: new vscode.Range(from + i, 0, from + i, 0) }));
    }
    const { badges, tokens } = windowMarks(scan.results, from, to, decision);
    out.badge = badges.map(({ line, level, text }) => {
      const end = doc.lineAt(line).range.end;
      const after = { contentText: text, color: BADGE_COLOR[level], margin: '0 0 0 3ch', fontStyle: 'italic' };
      return { range: new vscode.Range(end, end), renderOptions: { after } };
    });
    out.tokens = tokens.map(({ line, start, end }) => ({ range: doc.validateRange(new vscode.Range(line, start, line, end)) }));
    return out;
  }
}
