// The messages between the extension host and the scan host (a worker thread).
// Plain JSON-able data only: it crosses threads by structured clone.
//
// The extension sends `load` once. A document is sent whole once (`open`), then
// kept up to date by its edits (`change`) until `close`. A document that is its
// saved file can be opened from the file instead (`openFile`: the scan host reads
// it and compares it with lines the editor has; copying a 38 MB text to the scan
// host held the extension host's thread for 0.36 s): the lines on screen from
// the file's first MiB, the whole file once a scan needs other lines or an edit
// comes. When they differ it holds nothing, and a scan of it answers
// `needText`: the extension sends the text (`open`) and the scan again. Any number of `scan`s of
// open documents follow; each streams `lines` in chunks and ends with exactly
// one of `done`, `cancelled` or `failed`.
// Scans take turns a chunk at a time, the newest first (a newer scan's lines on screen never
// wait for an older scan's chunk in the bulk thread). A scan goes through the file in
// order, except that the lines in focus (the ones on screen: given with the scan,
// or moved by `focus` while it runs) are scored first; those come in chunks of
// their own, without the checks across lines, and again, complete, when the pass
// in order reaches them.
// `cursor` says which line the cursor is on: the scan host runs it while idle and keeps its keys
// and values (a format-9 pack), so an edit there re-scores from the edit on; `warmed` answers it.
// A `diff` compares two datasets (files, a file at a git ref, or a text sent with it): it takes
// its turns like a scan, streams `diffProgress`, and ends with `diffDone`, `cancelled` or `failed`.

import type { DiffReport } from '../core/diff/report';
import type { Device } from '../core/model/session';
import type { Example } from '../core/dataset';
import type { LatentReport, Scored } from '../core/score/scanner';
import type { DatasetSummary, LatentHit, LineResult } from '../core/score/types';

export type ToWorker =
  /** cacheDir: the result cache shared with the CLI (null: none); device: where the model runs. */
  | { type: 'load'; packPath: string; threads: number; cacheDir: string | null; device: Device }
  | { type: 'open'; doc: string; text: string }
  | { type: 'openFile'; doc: string; file: SavedFile }
  | { type: 'change'; doc: string; changes: TextChange[] }
  | { type: 'close'; doc: string }
  /**
   * Scans the document as the messages before it left it; `sample` lines (1-based, ascending) after
   * the focus and before the rest. `held`: its model runs wait for `release` (lines from the caches
   * come at once), so that VS Code's own work on a large document just shown comes first.
   */
  | { type: 'scan'; id: number; doc: string; focus?: LineRange; sample?: number[]; held?: boolean }
  | { type: 'release'; id: number }
  | { type: 'focus'; id: number; focus: LineRange }
  /** The cursor is on `line` (1-based) of the document: the scan host runs it ahead of an edit (format 9 packs), answered with `warmed`. */
  | { type: 'cursor'; id: number; doc: string; line: number }
  | { type: 'diff'; id: number; a: DiffInput; b: DiffInput }
  /** One line's latents (every latent's encode, as the diff scans): answered with `latents`. */
  | { type: 'latents'; id: number; text: string }
  | { type: 'cancel'; id: number }
  /** Ends the scan host, once onnxruntime is idle (the thread exits). */
  | { type: 'stop' };

export type FromWorker =
  /** cacheProblem: why the result cache could not open (scans go on without it); deviceProblem: why the model runs on the CPU though another device was asked for. */
  | { type: 'loaded'; pack: PackInfo; cacheProblem: string | null; deviceProblem: string | null }
  | { type: 'loadFailed'; message: string }
  | { type: 'lines'; id: number; results: LineResult[] }
  | { type: 'done'; id: number; summary: DatasetSummary }
  | { type: 'cancelled'; id: number }
  | { type: 'failed'; id: number; message: string }
  /** The scan's document is not held: it ended, with at most its lines on screen sent. */
  | { type: 'needText'; id: number }
  /** A diff has read `lines` lines of side `side`. */
  | { type: 'diffProgress'; id: number; side: 'a' | 'b'; lines: number }
  | { type: 'diffDone'; id: number; report: DiffReport }
  /**
   * The line with the cursor was run ahead of an edit: `tokens` of it are kept (0: nothing to
   * keep: a pack without past keys and values, no example, one read in several windows, or a run
   * that failed); null: a newer cursor came first.
   */
  | { type: 'warmed'; id: number; tokens: number | null }
  /** The line's strongest latents and every named one that fired; null when the line is no scorable example. */
  | { type: 'latents'; id: number; latents: LatentHit[] | null };

/**
 * The scan host and its bulk thread (bulkThread.ts), which scores the chunks of scans in order
 * and of diffs: the same `load`; `score` (with the latents to report) is answered with `scored`
 * or `failed`, in the order asked.
 */
export type ToBulk =
  | Extract<ToWorker, { type: 'load' }>
  | { type: 'score'; id: number; examples: Example[]; latents: LatentReport }
  | { type: 'stop' };

export type FromBulk =
  | { type: 'loaded' }
  | { type: 'loadFailed'; message: string }
  | { type: 'scored'; id: number; scored: Scored[] }
  | { type: 'failed'; id: number; message: string };

/** One side of a comparison, named by `label` in the report: a file, a file as it is at a git ref, or a text. */
export type DiffInput = { label: string } & ({ file: string; ref?: string } | { text: string });

/** An edit, as VS Code reports it: 0-based positions, each change relative to the text the previous one left. */
export interface TextChange {
  start: { line: number; character: number };
  end: { line: number; character: number };
  text: string;
}

/** A document's saved file, with some of the editor's lines to check the file against. */
export interface SavedFile {
  path: string;
  /** The editor's line count (a final line break is followed by an empty line). */
  lineCount: number;
  /** [0-based line, text] pairs. */
  lines: Array<[number, string]>;
}

/** Lines `first` to `last`, 1-based, inclusive. */
export interface LineRange {
  first: number;
  last: number;
}

/** What the extension shows about the loaded pack. */
export interface PackInfo {
  name: string;
  version: string;
  hash: string;
  thresholds: { elevated: number; high: number };
  /** The share of EM-inducing examples a risk assumes (calibration.json validation.prior), when the pack states it. */
  prior: number | null;
  /** What latents.json names: its latents and directions, each with the start of its top examples. */
  named: NamedInfo[];
}

export interface NamedInfo {
  /** The latent's index; null for a direction. */
  latent: number | null;
  /** A direction's name; null for a latent. */
  direction: string | null;
  label: string;
  method: string;
  examples: string[];
}

/**
 * How the scan host and its bulk thread are started. A young generation of 8 MiB instead of V8's
 * 48 lets the model's output buffers die sooner (the CLI's heap.ts does more, but V8 flags are
 * the whole extension host's): embedded pack, 100 real rows, peak RSS 328 -> 312 MiB.
 */
export const THREAD_OPTIONS = { resourceLimits: { maxYoungGenerationSizeMb: 8 } };

/** Lines a saved file is checked by besides those on screen, spread over the document. */
const SPREAD = 64;

/**
 * 0-based lines by which the worker checks that a saved file is the editor's document (the
 * extension sends their texts, the worker compares): those on screen, the first, the last and
 * SPREAD more spread evenly. Here because both sides must pick the same lines.
 */
export function checkedLines(lineCount: number, onScreen?: LineRange): number[] {
  const lines = new Set<number>([0, lineCount - 1]);
  for (let k = 1; k <= SPREAD; k++) lines.add(Math.floor((k * (lineCount - 1)) / (SPREAD + 1)));
  if (onScreen) for (let line = onScreen.first; line <= Math.min(onScreen.last, lineCount); line++) lines.add(line - 1);
  return [...lines].sort((a, b) => a - b);
}
