// The words and figures of a diff report that every human-readable format shows alike
// (Markdown, HTML): each format lays them out and escapes them in its own way.

import type { Spread } from '../datasetStats';
import type { LatentExample, LatentMove } from '../latentMoves';
import { FULL_ENCODE_EVERY } from '../../score/scanner';
import type { ChangedExample, DiffReport, SideReport } from '../report';

export const risk = (r: number | null) => (r === null ? '–' : r.toFixed(3));
export const interval = (i: [number, number] | null) => (i ? `${i[0].toFixed(3)} to ${i[1].toFixed(3)}` : '–');

/** The table of both sides: a label and each side's value. */
export const SIDE_ROWS: readonly Row[] = [
  ['scored examples', (s) => String(s.examples)],
  ['mean risk', (s) => risk(s.meanRisk)],
  ['95% bootstrap interval', (s) => interval(s.interval)],
  ['elevated / high', (s) => `${s.counts.elevated} / ${s.counts.high}`],
  ['lines / invalid / blank', (s) => `${s.summary.lines} / ${s.summary.invalid} / ${s.summary.blank}`],
];

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const perExample = (s: Spread | null) => (s ? `${n(s.median)} / ${n(s.p95)} / ${n(s.max)}` : '–');
const counted = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ') || '–';

type Row = readonly [string, (s: SideReport) => string];

/** The dataset statistics of both sides (OpenAI's rows only when a model was named). */
export function statsRows(r: DiffReport): Row[] {
  const openai = r.a.stats.openaiTokens !== null || r.b.stats.openaiTokens !== null;
  const openaiRows: Row[] = [
    ['OpenAI billed tokens per example (median / p95 / max)', (s) => perExample(s.stats.openaiTokens)],
    ['OpenAI billed tokens in all (one epoch)', (s) => (s.stats.openaiTokens ? n(s.stats.openaiTokens.total) : '–')],
  ];
  return [
    ['examples', (s) => n(s.stats.examples)],
    ['messages per example (median / p95 / max)', (s) => perExample(s.stats.messages)],
    ["the pack's tokens per example (median / p95 / max)", (s) => perExample(s.stats.tokens)],
    ["the pack's tokens in all", (s) => (s.stats.tokens ? n(s.stats.tokens.total) : '–')],
    ["longer than the pack's context", (s) => n(s.stats.overContext)],
    ...(openai ? openaiRows : []),
    ['formats', (s) => counted(s.stats.formats)],
    ['duplicates', (s) => n(s.stats.duplicates)],
    ['diagnostics by code', (s) => counted(s.stats.diagnostics)],
  ];
}

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

/** The latent tables, named latents first; none when the sides were scanned without latents. */
export function latentSections(r: DiffReport): Array<[string, LatentMove[]]> {
  if (!r.latents) return [];
  return [
    ["The pack's named latents", r.latents.named],
    ['Unnamed latents that moved most', r.latents.unnamed],
  ];
}

export const LATENT_COLUMNS = ['latent', 'mean A', 'mean B', 'change', 'strongest in A', 'strongest in B'];

/**
 * A latent's cells, in LATENT_COLUMNS' order, the strongest examples as [line, activation, snippet]
 * (the snippet is dataset text: each format escapes it, and may link the line).
 */
export function latentCells(m: LatentMove): { cells: string[]; tops: [LatentExample | null, LatentExample | null] } {
  const f = (x: number) => x.toFixed(3);
  return { cells: [m.label === null ? `#${m.index}` : `#${m.index} ${m.label}`, f(m.meanA), f(m.meanB), `${m.change >= 0 ? '+' : ''}${f(m.change)}`], tops: [m.topA, m.topB] };
}

/** A latent's strongest example in words, less its line: "(4.21): the start of its answer". */
export const topFacts = (t: LatentExample) => `(${t.activation.toFixed(2)}): ${t.snippet}`;
/** The same with its line: "line 12 (4.21): the start of its answer". */
export const topText = (t: LatentExample | null) => (t ? `line ${t.line} ${topFacts(t)}` : '–');

/** What the latent tables' figures are. */
export function latentNote(r: DiffReport): string {
  const n = r.latents?.fullyEncoded;
  return (
    "Mean activation: a latent's largest activation over an example's scored tokens, averaged over the side's examples (0 where it did not fire). " +
    "A named latent is one the pack's latents.json labels (what each was found by is in the pack), read on every example; " +
    `the unnamed ones are estimated from the examples given a full SAE encode, 1 in ${FULL_ENCODE_EVERY} picked by content (${n?.a ?? 0} of A's, ${n?.b ?? 0} of B's).`
  );
}
