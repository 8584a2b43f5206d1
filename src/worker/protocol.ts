// The messages between the extension host and the scan host (a worker thread).
// Plain JSON-able data only: it crosses threads by structured clone.
//
// The extension sends `load` once, then any number of `scan`s; each scan streams
// `lines` (results in input order, in chunks) and ends with exactly one of
// `done`, `cancelled` or `failed`. Scans run one at a time, in the order sent.

import type { DatasetSummary, LineResult } from '../core/score/types';

export type ToWorker =
  | { type: 'load'; packPath: string; threads: number }
  | { type: 'scan'; id: number; text: string }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'loaded'; pack: PackInfo }
  | { type: 'loadFailed'; message: string }
  | { type: 'lines'; id: number; results: LineResult[] }
  | { type: 'done'; id: number; summary: DatasetSummary }
  | { type: 'cancelled'; id: number }
  | { type: 'failed'; id: number; message: string };

/** What the extension shows about the loaded pack. */
export interface PackInfo {
  name: string;
  version: string;
  hash: string;
  thresholds: { elevated: number; high: number };
  /** The read-out's latents with their weights and, where latents.json names them, labels. */
  readout: Array<{ latent: number; weight: number; label?: string }>;
}
