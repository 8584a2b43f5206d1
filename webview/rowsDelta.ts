// The page's side of a streamed `rows` message: the rows it holds, brought up to date.

import type { Rows, RowsDelta } from '../src/extension/panel/panelProtocol';

const COLUMNS = ['line', 'risk', 'level', 'snippet', 'tokens', 'format', 'review', 'judge'] as const satisfies readonly (keyof Rows)[];

/** `rows` with `delta` applied: each upserted row replaces the row of its line or is added, removed lines go. */
export function applyRowsDelta(rows: Rows, { upsert, remove }: RowsDelta): Rows {
  const at = new Map<number, number>();
  rows.line.forEach((line, i) => at.set(line, i));
  const next = Object.fromEntries(COLUMNS.map((c) => [c, rows[c].slice()])) as unknown as Rows;
  const put = <K extends keyof Rows>(column: K, i: number, from: number) => ((next[column] as unknown[])[i] = upsert[column][from]);
  upsert.line.forEach((line, j) => {
    const i = at.get(line) ?? next.line.length;
    at.set(line, i);
    for (const c of COLUMNS) put(c, i, j);
  });
  if (remove.length === 0) return next;
  const gone = new Set(remove);
  const keep = next.line.flatMap((line, i) => (gone.has(line) ? [] : [i]));
  return Object.fromEntries(COLUMNS.map((c) => [c, keep.map((i) => next[c][i])])) as unknown as Rows;
}
