// What every report format implements. The CLI calls, for each file in turn,
// beginFile, line (once per input line, in input order) and endFile, then end
// once; each writer prints through `write` as early as its format allows.

import type { DatasetSummary, LineResult } from '../../core/score/types';

export interface OutputWriter {
  /** `file` is the path as the user gave it. */
  beginFile(file: string): void;
  line(result: LineResult): void;
  endFile(summary: DatasetSummary): void;
  /** `summary` covers all files together. */
  end(summary: DatasetSummary): void;
}

/** Where a report goes: stdout or a file, one piece of text at a time. */
export type Write = (text: string) => void;

export interface PackInfo {
  name: string;
  version: string;
  hash: string;
}
