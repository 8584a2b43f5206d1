// `--format json`: one document with the pack, every line's record (the jsonl
// objects) and the per-file and overall summaries. Records are written as they
// come, so a report never has to be held: the summaries, known only at the end,
// come after them (a JSON reader does not mind the order of keys).

import type { DatasetSummary } from '../../core/score/types';
import { toLineRecord, type LineRecord } from './lineRecord';
import type { OutputWriter, PackInfo, Write } from './writer';

export interface JsonReport {
  pack: PackInfo;
  examples: LineRecord[];
  files: Array<{ file: string; summary: DatasetSummary }>;
  summary: DatasetSummary;
}

export function jsonWriter(write: Write, pack: PackInfo): OutputWriter {
  const files: JsonReport['files'] = [];
  let file = '';
  let records = 0;
  write(`{\n  "pack": ${JSON.stringify({ name: pack.name, version: pack.version, hash: pack.hash })},\n  "examples": [`);
  return {
    beginFile(path) {
      file = path;
    },
    line(r) {
      write(`${records++ > 0 ? ',' : ''}\n    ${JSON.stringify(toLineRecord(file, r))}`);
    },
    endFile(summary) {
      files.push({ file, summary });
    },
    end(summary) {
      // `{ files, summary }` printed, less its opening brace, closes the document.
      write(`${records > 0 ? '\n  ' : ''}],${JSON.stringify({ files, summary }, null, 2).slice(1)}\n`);
    },
  };
}
