// The table's pure logic: which rows a view shows, and in what order.

import { LEVELS, REVIEWS, type Rows, type SortKey, type TableView } from '../src/extension/panel/panelProtocol';

export const DEFAULT_VIEW: TableView = { sort: 'risk', descending: true, levels: [true, true, true], text: '' };

/** The lines whose whole text holds `text`, as the extension found them (the page holds only snippets). */
export interface TextHits {
  text: string;
  lines: ReadonlySet<number>;
}

/**
 * Indexes into `rows` of the rows `view` shows, in its order (ties by line, ascending). The filter
 * matches a row's snippet, tokens, format, line, level or review, or its whole text when `hits`
 * answer for the filter's text.
 */
export function tableOrder(rows: Rows, view: TableView, hits?: TextHits): number[] {
  const needle = view.text.trim().toLowerCase();
  const inText = hits && hits.text === needle ? hits.lines : null;
  const shown: number[] = [];
  for (let i = 0; i < rows.line.length; i++) {
    if (!view.levels[rows.level[i]]) continue;
    if (needle && !matches(rows, i, needle) && !inText?.has(rows.line[i])) continue;
    shown.push(i);
  }
  const compare = COMPARE[view.sort];
  const sign = view.descending ? -1 : 1;
  return shown.sort((a, b) => sign * compare(rows, a, b) || rows.line[a] - rows.line[b]);
}

function matches(rows: Rows, i: number, needle: string): boolean {
  return rows.tokens[i].toLowerCase().includes(needle) || rows.snippet[i].toLowerCase().includes(needle) || rows.format[i].includes(needle) || String(rows.line[i]) === needle || LEVELS[rows.level[i]] === needle || REVIEWS[rows.review[i]] === needle;
}

type Compare = (rows: Rows, a: number, b: number) => number;

const COMPARE: Record<SortKey, Compare> = {
  line: (r, a, b) => r.line[a] - r.line[b],
  risk: (r, a, b) => r.risk[a] - r.risk[b],
  level: (r, a, b) => r.level[a] - r.level[b] || r.risk[a] - r.risk[b],
  snippet: (r, a, b) => compareText(r.snippet[a], r.snippet[b]),
  format: (r, a, b) => compareText(r.format[a], r.format[b]),
  review: (r, a, b) => r.review[a] - r.review[b],
  judge: (r, a, b) => r.judge[a] - r.judge[b],
};

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
