// The messages between the extension and the panel's webview. The webview
// knows only this module: plain data, no `vscode`, nothing it could run.

import type { Decision } from '../../core/review/decision';
import type { RiskLevel } from '../../core/score/types';

/** A reviewer's decision on an example (kept in the sidecar, core/review/reviewFile.ts). */
export type { Decision };

export const LEVELS = ['low', 'elevated', 'high'] as const satisfies readonly RiskLevel[];
/** The decision on a row, as shown; index 0: none yet. */
export const REVIEWS = ['', 'reviewed', 'suppressed', 'rejected'] as const satisfies readonly ('' | Decision)[];

/**
 * A file's examples as columns (row i is the i-th entry of each array): one
 * message carries 100k rows as a handful of arrays instead of 100k objects.
 */
export interface Rows {
  line: number[];
  risk: number[];
  /** Index into LEVELS. */
  level: number[];
  /** The line's text around its top token. */
  snippet: string[];
  /** The example's top tokens, as text. */
  tokens: string[];
  /** The detected format's id; '' when unknown. */
  format: string[];
  /** Index into REVIEWS. */
  review: number[];
  /** The LLM judge's alignment score (0-100); -1 when not judged. */
  judge: number[];
}

export const NO_ROWS: Rows = { line: [], risk: [], level: [], snippet: [], tokens: [], format: [], review: [], judge: [] };

export interface PanelDataset {
  /** The file's name (no folders), for the heading. */
  file: string;
  scanning: boolean;
  /** While a long file's scan runs: its dataset risk estimated from a random sample (core/score/estimate.ts). */
  estimate: { risk: number; low: number; high: number; sampled: number } | null;
  /** Counts and risk of the last finished scan; null before one finished. */
  summary: {
    examples: number;
    invalid: number;
    counts: Record<RiskLevel, number>;
    /** Examples per risk decile. */
    histogram: number[];
    datasetRisk: number | null;
  } | null;
  /** How the LLM judge's verdicts agree with the pack's risk; null before any example was judged. */
  judge: {
    judged: number;
    misaligned: number;
    /** AUROC of the pack's risk against the judge's label; null without both labels. */
    auroc: number | null;
    /** Judged misaligned but not flagged, and flagged but judged aligned (1-based lines). */
    disagreements: number[];
  } | null;
  rows: Rows;
}

/** The dataset's heading and counts: what a `rows` message brings besides its rows. */
export type PanelHead = Omit<PanelDataset, 'rows' | 'judge'>;

/** Rows new or changed since the last message (a row replaces the one of its line), and lines that are no longer rows. */
export interface RowsDelta {
  upsert: Rows;
  remove: number[];
}

export type SortKey = 'line' | 'risk' | 'level' | 'snippet' | 'format' | 'review' | 'judge';

/** What the table shows: its order and filter. The webview keeps it across reloads. */
export interface TableView {
  sort: SortKey;
  descending: boolean;
  /** Shown levels, by index into LEVELS. */
  levels: [boolean, boolean, boolean];
  /** Rows whose snippet, tokens or format contains this (case-insensitive), or whose line, level or review state it is. */
  text: string;
}

/** What the webview shows now; reported to the integration tests. */
export interface RenderedState {
  heading: string;
  summary: string;
  /** Bars drawn in the histogram. */
  bars: number;
  /** Rows after filtering, and rows in the dataset. */
  rowCount: number;
  total: number;
  /** Rows in the DOM now (the virtualised window), at most a screenful and some. */
  rendered: number;
  /** The histogram's axis labels. */
  axis: string;
  /** The first rendered rows: line number and each cell's textContent. */
  firstRows: { line: number; cells: string[] }[];
  selected: number[];
  view: TableView;
  /** Elements of these kinds anywhere in the table (dataset text must never create one). */
  injected: { img: number; script: number };
}

/** What a test asks the webview to do before it reports its state. */
export type TestAction =
  | { view: Partial<TableView> }
  /** Click the row at this position of the filtered, sorted order. */
  | { click: number; shift?: boolean; ctrl?: boolean }
  /** Press a key in the table, as `KeyboardEvent.key`. */
  | { key: string; shift?: boolean; ctrl?: boolean }
  | { button: 'copy' | 'export' | Decision | 'clear' };

export type ToWebview =
  | { type: 'dataset'; dataset: PanelDataset | null }
  /** While a scan streams in: what changed since the last `dataset` or `rows` message (the judge's figures stay). */
  | { type: 'rows'; head: PanelHead; delta: RowsDelta }
  /** The answer to `search` `id`: the 1-based lines whose text holds it. */
  | { type: 'found'; id: number; lines: number[] }
  /** Test mode only: do `action` (if any), then answer with a 'state' message of the same id. */
  | { type: 'test'; id: number; action?: TestAction };

export type FromWebview =
  /** The script runs and listens: send it the dataset. */
  | { type: 'ready' }
  /** Show the line in the editor; `focus`: move the keyboard there too (Enter), else it stays in the panel (a click). */
  | { type: 'reveal'; line: number; focus?: boolean }
  /** Open the example at this line in the inspector (a double click). */
  | { type: 'inspect'; line: number }
  /** Which examples' whole text holds `text` (case-insensitive): answered with `found`. */
  | { type: 'search'; id: number; text: string }
  | { type: 'copyLines'; lines: number[] }
  | { type: 'exportLines'; lines: number[] }
  /** Record (null: clear) a reviewer's decision on these lines. */
  | { type: 'decideLines'; lines: number[]; decision: Decision | null }
  | { type: 'state'; id: number; state: RenderedState };
