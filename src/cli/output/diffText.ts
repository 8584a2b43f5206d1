// The words and figures of a diff report that every human-readable format shows alike
// (Markdown, HTML): each format lays them out and escapes them in its own way.

import type { ChangedExample, DiffReport, SideReport } from '../../core/diff/report';

export const risk = (r: number | null) => (r === null ? '–' : r.toFixed(3));
export const interval = (i: [number, number] | null) => (i ? `${i[0].toFixed(3)} to ${i[1].toFixed(3)}` : '–');

/** The table of both sides: a label and each side's value. */
export const SIDE_ROWS: ReadonlyArray<readonly [string, (s: SideReport) => string]> = [
  ['scored examples', (s) => String(s.examples)],
  ['mean risk', (s) => risk(s.meanRisk)],
  ['95% bootstrap interval', (s) => interval(s.interval)],
  ['elevated / high', (s) => `${s.counts.elevated} / ${s.counts.high}`],
  ['lines / invalid / blank', (s) => `${s.summary.lines} / ${s.summary.invalid} / ${s.summary.blank}`],
];

export function differenceSentence(r: DiffReport): string {
  const d = r.difference;
  if (d.meanRisk === null) return 'No difference can be computed: a side has no scored example.';
  return (
    `Difference B − A: ${d.meanRisk >= 0 ? '+' : ''}${d.meanRisk.toFixed(3)} (95% bootstrap interval ${interval(d.interval)}, ${d.draws} draws); ` +
    `permutation test p = ${d.p!.toFixed(4)} (${d.permutations} permutations).`
  );
}

export function changesSentence(r: DiffReport): string {
  const c = r.changes;
  return `${c.unchanged} unchanged (${c.moved} of them moved), ${c.changed.length} changed (same prompt, new answer), ${c.added.length} added, ${c.removed.length} removed.`;
}

/** The lists of examples, new high-risk first, each with its title. */
export function changeSections(r: DiffReport): Array<[string, ChangedExample[]]> {
  return [
    ['New high-risk examples', r.newHighRisk],
    ['Added', r.changes.added],
    ['Changed', r.changes.changed],
    ['Removed', r.changes.removed],
  ];
}

export const CHANGE_COLUMNS = ['B line', 'B risk', 'A line', 'A risk'];

/** A listed example's cells, in CHANGE_COLUMNS' order. */
export function changeCells(c: ChangedExample): string[] {
  return [c.lineB === null ? '–' : String(c.lineB), risk(c.riskB), c.lineA === null ? '–' : String(c.lineA), risk(c.riskA)];
}

/** The share of a side's examples in histogram bin i (0 for a side without any). */
export function binShare(s: SideReport, i: number): number {
  return s.examples > 0 ? s.histogram[i] / s.examples : 0;
}
