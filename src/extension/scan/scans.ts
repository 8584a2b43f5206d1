// Keeps documents scanned: a scan on open, a rescan a moment after each edit
// (the running scan of that document is cancelled at once), results kept per
// line and announced as they stream in, the lines on screen first (following
// the editor as it scrolls). The scan host's line cache makes a rescan cost only
// the lines whose text changed.

import * as vscode from 'vscode';
import { GZ_SCHEME } from '../gzView';
import type { DatasetSummary, LineResult } from '../../core/score/types';
import { sampleIndices, seededRandom } from '../../core/random';
import { estimateRisk, type RiskEstimate } from '../../core/score/estimate';
import { ScanFocus, type ScanHost } from '../../worker/client';
import { savedFile } from './savedFile';
import { afterVsCodesWork } from './settle';
import { noticeLongScan } from './scanNotice';
import { Throttle } from './throttle';
import type { LineRange, PackInfo } from '../../worker/protocol';

/** What the last scan of a document did; the status bar and the tests read it. */
export interface ScanStats {
  /** Scans started for the document so far. */
  scans: number;
  /** The document version scanned. */
  version: number;
  done: boolean;
  /** Lines whose example the model scored in this scan (not from the cache). */
  fresh: number[];
  /** Examples taken from the cache. */
  cached: number;
  /** Lines with a result so far in this scan, of `total` (the document's lines when it began). */
  lines: number;
  total: number;
  /** When the scan began (Date.now()). */
  startedAt: number;
}

export interface DocumentScan {
  readonly uri: vscode.Uri;
  /**
   * Results by line (index line - 1). While a rescan streams in, lines it has not
   * reached yet keep the previous scan's results.
   */
  results: LineResult[];
  /** The pack the results come from; null before a scan host answered. */
  pack: PackInfo | null;
  /** The last finished scan's summary; null before one finished. */
  summary: DatasetSummary | null;
  scanning: boolean;
  stats: ScanStats;
  /** While a long file's scan runs: its dataset risk estimated from the lines scanned in order and a random sample of the rest. */
  estimate: RiskEstimate | null;
  /** The line with the cursor the scan host last ran ahead of an edit, and the tokens of it kept (0: none, as with a pack whose model takes no past keys and values). */
  warmed?: { line: number; tokens: number };
}

interface State extends DocumentScan {
  timer?: NodeJS.Timeout;
  /** Opened, and not scanned yet: the scan waits a moment for an editor to show the document. */
  opening?: boolean;
  abort?: AbortController;
  /** The running scan's focus: the lines on screen. */
  focus?: ScanFocus;
  /** The line (1-based) the cursor was last on, as the scan host heard. */
  cursorLine?: number;
  /** The running scan was asked for (a command, Scan Workspace): it goes on when the document's last tab closes. */
  asked?: boolean;
  /** Its scan stopped unfinished when its last tab closed: an editor showing it again scans on. */
  stopped?: boolean;
}

/**
 * How long a document just opened waits for an editor to show it before it is
 * scanned anyway: the lines on screen are scored first, and a saved file's are
 * read from its start (the scan host otherwise read a 38 MB file whole before
 * any, 0.2 to 2 s while VS Code was busy loading it too).
 */
const OPEN_WAIT_MS = 1000;
/**
 * A document of this many lines or more, just shown, has its first scan's model runs wait for
 * VS Code's own work on it (settle.ts), at most SETTLE_MS; lines in the cache come at once.
 */
const SETTLE_FROM = 20_000;
const SETTLE_MS = 1000;
/** How often streaming results are announced, at most (each announcement redraws diagnostics). */
const ANNOUNCE_MS = 150;
/** Files of this many lines or more get an estimate of their risk from a random sample, scanned first. */
const SAMPLE_FROM = 2000;
const SAMPLE_LINES = 400;

export class Scans implements vscode.Disposable {
  private readonly docs = new Map<string, State>();
  private readonly announced = new vscode.EventEmitter<vscode.Uri>();
  /** Fires with the uri of a document whose results or state changed (or that was forgotten). */
  readonly onDidChange = this.announced.event;
  private readonly announcing = new Throttle(ANNOUNCE_MS);
  /** The scan host the last scan ran in: edits and closes are passed on to it. */
  private lastHost: ScanHost | null = null;

  constructor(
    private readonly host: () => Promise<ScanHost>,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Whether a document is scanned without being asked: JSON Lines files. */
  static wants(doc: vscode.TextDocument): boolean {
    return doc.languageId === 'jsonl' && (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled' || doc.uri.scheme === GZ_SCHEME);
  }

  get(uri: vscode.Uri): DocumentScan | undefined {
    return this.docs.get(uri.toString());
  }

  /** Whether the document was scanned (on open or on request) and is still open. */
  tracks(doc: vscode.TextDocument): boolean {
    return this.docs.has(doc.uri.toString());
  }

  /** A document opened: it is scanned once an editor shows its lines (see `shown`), or after OPEN_WAIT_MS. */
  opened(doc: vscode.TextDocument): void {
    this.schedule(doc, OPEN_WAIT_MS);
    this.stateOf(doc).opening = true;
  }

  /**
   * An editor shows lines of a document (it opened or scrolled): a scan waiting
   * for them starts now; a running one does them next.
   */
  shown(editor: vscode.TextEditor): void {
    const state = this.docs.get(editor.document.uri.toString());
    const lines = onScreen(editor);
    if (!state || !lines) return;
    const doc = editor.document;
    if (state.opening || state.stopped) void this.scan(doc, { settled: doc.lineCount >= SETTLE_FROM ? afterVsCodesWork(SETTLE_MS) : undefined });
    else state.focus?.move(lines);
  }

  /**
   * Tabs closed: a document that no tab shows any more stops its scan, unless the scan was asked
   * for. (VS Code closes the document itself later, a minute or more on, and a long file's scan
   * went on until then.) Its results stay; an editor showing it again scans on from where it
   * was, the lines done coming from the scan host's cache.
   */
  tabsClosed(closed: readonly vscode.Tab[]): void {
    const shown = new Set(vscode.window.tabGroups.all.flatMap((g) => g.tabs.flatMap(tabUris)).map(String));
    for (const uri of closed.flatMap(tabUris)) {
      const state = this.docs.get(uri.toString());
      if (!state || shown.has(uri.toString()) || state.asked || (!state.scanning && state.timer === undefined)) continue;
      state.abort?.abort();
      clearTimeout(state.timer);
      state.timer = undefined;
      state.stopped = true;
    }
  }

  /**
   * The cursor moved in an editor: on another line of a tracked document, the scan host runs
   * that line ahead of an edit, so that typing there re-scores from the edit on (format 9 packs).
   */
  cursorMoved(editor: vscode.TextEditor): void {
    const state = this.docs.get(editor.document.uri.toString());
    const line = editor.selection.active.line + 1;
    if (!state || state.cursorLine === line) return;
    state.cursorLine = line;
    void this.lastHost?.cursor(state.uri.toString(), line).then((tokens) => {
      if (tokens !== null) state.warmed = { line, tokens };
    });
  }

  /** A tracked document was edited: the scan host's copy follows, and a rescan comes after `delayMs` of quiet. */
  changed(e: vscode.TextDocumentChangeEvent, delayMs: number): void {
    // Plain objects: a Position's fields do not survive the trip to the worker.
    const at = (p: vscode.Position) => ({ line: p.line, character: p.character });
    const changes = e.contentChanges.map(({ range, text }) => ({ start: at(range.start), end: at(range.end), text }));
    this.lastHost?.change(e.document.uri.toString(), e.document.version, changes);
    this.schedule(e.document, delayMs);
  }

  /**
   * Rescans after `delayMs` of quiet, and after the timers other extensions set meanwhile; a
   * scan of the document running now stops at once.
   */
  schedule(doc: vscode.TextDocument, delayMs: number): void {
    const state = this.stateOf(doc);
    state.abort?.abort();
    clearTimeout(state.timer);
    // The second timer runs after the timers other extensions set on the same change:
    // VS Code's merge-conflict reads the whole document in one of them (56-75 ms for
    // 38 MB), and a re-score on the other of 2 cores slowed it (README, "Performance").
    state.timer = setTimeout(() => {
      state.timer = setTimeout(() => {
        state.timer = undefined;
        void this.scan(doc);
      }, 0);
    }, delayMs);
  }

  /**
   * Scans the document now, its model runs waiting for `settled` if given; resolves when the
   * scan ended (finished, superseded, stopped or failed). `asked`: a command asked for it.
   */
  async scan(doc: vscode.TextDocument, { settled, asked = false }: { settled?: Promise<void>; asked?: boolean } = {}): Promise<void> {
    const state = this.stateOf(doc);
    state.abort?.abort();
    clearTimeout(state.timer);
    state.timer = undefined;
    state.opening = false;
    state.stopped = false;
    state.asked = asked;
    const abort = new AbortController();
    state.abort = abort;
    const stats: ScanStats = { scans: state.stats.scans + 1, version: doc.version, done: false, fresh: [], cached: 0, lines: 0, total: doc.lineCount, startedAt: Date.now() };
    state.stats = stats;
    state.scanning = true;
    state.estimate = null;
    const focus = new ScanFocus(visibleLines(doc));
    state.focus = focus;
    this.announce(state, true);
    // Lines on screen come twice (ahead, then in order): the first time counts.
    const counted = new Set<number>();
    // A long file: a uniform random sample of its lines first, for an estimate within seconds
    // (seeded by its length: the same file shows the same estimate each time).
    const sample = doc.lineCount >= SAMPLE_FROM ? sampleIndices(doc.lineCount, SAMPLE_LINES, seededRandom(doc.lineCount)).map((i) => i + 1) : [];
    const estimator = new Estimator(sample, doc.lineCount);
    let ended: () => void = () => undefined;
    if (doc.lineCount >= SAMPLE_FROM) {
      noticeLongScan({ uri: doc.uri, progress: () => stats, ended: new Promise<void>((r) => (ended = r)), cancel: () => abort.abort() });
    }
    try {
      const host = await this.host();
      this.lastHost = host;
      state.pack = host.pack;
      // The scan host has the document, kept up to date by `changed`, unless it is new (or restarted).
      const summary = await host.scan(
        { key: doc.uri.toString(), version: doc.version, text: () => doc.getText(), file: () => savedFile(doc, focus.range) },
        (results) => {
          // Chunks already in flight when the scan was cancelled belong to an older version.
          if (abort.signal.aborted) return;
          stats.lines += results.length;
          for (const r of results) {
            state.results[r.line - 1] = r;
            estimator.add(r);
            if (!r.result || counted.has(r.line)) continue;
            counted.add(r.line);
            if (r.cached) stats.cached++;
            else stats.fresh.push(r.line);
          }
          if (sample.length > 0) state.estimate = estimator.estimate();
          this.announce(state, false);
        },
        abort.signal,
        focus,
        sample,
        settled,
      );
      if (!summary) return;
      state.results.length = summary.lines;
      state.summary = summary;
      stats.done = true;
    } catch (e) {
      // A pack that cannot load was already reported when the host failed to start.
      this.log.error(`scan of ${doc.uri.fsPath} failed: ${(e as Error).message}`);
    } finally {
      ended();
      if (state.abort === abort) {
        state.abort = undefined;
        state.focus = undefined;
        state.scanning = false;
        if (this.docs.get(state.uri.toString()) === state) this.announce(state, true);
      }
    }
  }

  /** The document closed: stop its scan and drop its results. */
  forget(uri: vscode.Uri): void {
    const key = uri.toString();
    const state = this.docs.get(key);
    if (!state) return;
    state.abort?.abort();
    clearTimeout(state.timer);
    this.lastHost?.close(key);
    this.docs.delete(key);
    this.announcing.forget(key);
    this.announced.fire(uri);
  }

  /** Rescans every tracked document (the pack changed). */
  rescanAll(): void {
    for (const doc of vscode.workspace.textDocuments) if (this.tracks(doc)) void this.scan(doc);
  }

  dispose(): void {
    for (const state of this.docs.values()) {
      state.abort?.abort();
      clearTimeout(state.timer);
    }
    this.announcing.dispose();
    this.docs.clear();
    this.announced.dispose();
  }

  private stateOf(doc: vscode.TextDocument): State {
    const key = doc.uri.toString();
    let state = this.docs.get(key);
    if (!state) {
      state = { uri: doc.uri, results: [], pack: null, summary: null, scanning: false, estimate: null, stats: { scans: 0, version: doc.version, done: false, fresh: [], cached: 0, lines: 0, total: doc.lineCount, startedAt: Date.now() } };
      this.docs.set(key, state);
    }
    return state;
  }

  /** Announces a change now, or (streaming results) at most every ANNOUNCE_MS. */
  private announce(state: State, now: boolean): void {
    const fire = () => this.announced.fire(state.uri);
    if (now) this.announcing.now(state.uri.toString(), fire);
    else this.announcing.run(state.uri.toString(), fire);
  }
}

/**
 * A running scan's estimate: the lines reported in one run from line 1 on are the exact part;
 * the sampled lines past it that were reported stand for the rest.
 */
class Estimator {
  /** Each reported line's risk (null: not an example); the first report counts. */
  private readonly risks = new Map<number, number | null>();
  /** The first line not reported yet: the lines before it are the exact part. */
  private next = 1;
  private prefixSum = 0;
  private prefixExamples = 0;

  constructor(
    private readonly sample: readonly number[],
    private readonly lines: number,
  ) {}

  add(r: LineResult): void {
    if (this.risks.has(r.line)) return;
    this.risks.set(r.line, r.result?.risk ?? null);
    for (let risk = this.risks.get(this.next); risk !== undefined; risk = this.risks.get(++this.next)) {
      if (risk === null) continue;
      this.prefixSum += risk;
      this.prefixExamples++;
    }
  }

  estimate(): RiskEstimate | null {
    const rest = this.sample.filter((l) => l >= this.next && this.risks.has(l));
    const sampledRisks = rest.map((l) => this.risks.get(l)).filter((r): r is number => r !== null && r !== undefined);
    return estimateRisk({
      prefixSum: this.prefixSum,
      prefixExamples: this.prefixExamples,
      remainingLines: Math.max(0, this.lines - (this.next - 1)),
      sampledLines: rest.length,
      sampledRisks,
    });
  }
}

/** The lines of `doc` on screen (1-based) in the active editor, or else the first visible one showing it. */
function visibleLines(doc: vscode.TextDocument): LineRange | undefined {
  const active = vscode.window.activeTextEditor;
  const shown = active?.document === doc ? active : vscode.window.visibleTextEditors.find((e) => e.document === doc);
  return shown && onScreen(shown);
}

/** The documents a tab shows. */
function tabUris(tab: vscode.Tab): vscode.Uri[] {
  const input = tab.input;
  if (input instanceof vscode.TabInputTextDiff) return [input.original, input.modified];
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) return [input.uri];
  return [];
}

/** The most lines taken to be on screen. */
const MAX_SCREEN = 300;

/**
 * The lines (1-based) on screen in `editor`, at most MAX_SCREEN: an editor not
 * laid out yet can report the whole document as visible.
 */
export function onScreen(editor: vscode.TextEditor): LineRange | undefined {
  const ranges = editor.visibleRanges;
  if (!ranges.length) return undefined;
  const first = ranges[0].start.line + 1;
  return { first, last: Math.min(ranges[ranges.length - 1].end.line + 1, first + MAX_SCREEN - 1) };
}
