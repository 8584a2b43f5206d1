// `--format json`: one document with the pack, the overall and per-file
// summaries, and every line's record (the jsonl objects). The summaries come
// first for a reader's sake, so the records wait (as JSON text) until the end.

import type { DatasetSummary } from '../../core/score/types';
import { toLineRecord, type LineRecord } from './lineRecord';
import type { OutputWriter, PackInfo, Write } from './writer';

export interface JsonReport {
  files: Array<{ file: string; summary: DatasetSummary }>;
  pack: PackInfo;
  summary: DatasetSummary;
  examples: LineRecord[];
}

export function jsonWriter(write: Write, pack: PackInfo): OutputWriter {
  const files: JsonReport['files'] = [];
  const examples: string[] = [];
  let file = '';
  return {
    beginFile(path) {
      file = path;
    },
    line(r) {
      examples.push(JSON.stringify(toLineRecord(file, r)));
    },
    endFile(summary) {
      files.push({ file, summary });
    },
    end(summary) {
      const head: Omit<JsonReport, 'examples'> = {
        files,
        pack: { name: pack.name, version: pack.version, hash: pack.hash },
        summary,
      };
      // One record per line, written one at a time: a single string of a large
      // dataset's report could pass V8's string length limit.
      write(JSON.stringify(head, null, 2).replace(/\n}$/, ',\n  "examples": ['));
      examples.forEach((e, i) => write(`${i > 0 ? ',' : ''}\n    ${e}`));
      write(examples.length > 0 ? '\n  ]\n}\n' : ']\n}\n');
    },
  };
}
