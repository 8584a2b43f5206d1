// `--format jsonl`: one JSON object per input line, written as each line arrives.

import type { LineResult } from '../../core/score/types';
import { toLineRecord } from './lineRecord';
import type { OutputWriter, Write } from './writer';

export function jsonlWriter(write: Write): OutputWriter {
  let file = '';
  return {
    beginFile(path) {
      file = path;
    },
    line(r: LineResult) {
      write(JSON.stringify(toLineRecord(file, r)) + '\n');
    },
    endFile() {},
    end() {},
  };
}
