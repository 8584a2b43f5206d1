// Names for files the extension writes next to a dataset: never one that exists.

import * as path from 'node:path';

/**
 * The first of `data.selected.jsonl`, `data.selected-2.jsonl`, … (for
 * `data.jsonl` and tag `selected`) for which `taken` is false.
 */
export function freeName(file: string, tag: string, taken: (candidate: string) => boolean): string {
  const ext = path.extname(file);
  const stem = file.slice(0, file.length - ext.length);
  for (let n = 1; ; n++) {
    const candidate = `${stem}.${tag}${n === 1 ? '' : `-${n}`}${ext}`;
    if (!taken(candidate)) return candidate;
  }
}
