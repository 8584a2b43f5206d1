// `persona-lens diff --format md`: the comparison as Markdown, the verdict first. No
// dataset text appears, only file names (escaped), line numbers and figures.

import type { ChangedExample, DiffReport, SideReport } from '../../core/diff/report';

/** Rows listed per kind of change; the JSON report has them all. */
const LISTED = 20;

const esc = (text: string) => text.replace(/[\\`*_[\]<>|#]/g, '\\$&');
const risk = (r: number | null) => (r === null ? '–' : r.toFixed(3));
const interval = (i: [number, number] | null) => (i ? `${i[0].toFixed(3)} to ${i[1].toFixed(3)}` : '–');

export function diffMarkdown(r: DiffReport): string {
  const d = r.difference;
  const out = [
    `# Persona Lens diff: ${esc(r.a.file)} → ${esc(r.b.file)}`,
    `**${r.verdict}**`,
    table(
      ['', `A: ${esc(r.a.file)}`, `B: ${esc(r.b.file)}`],
      [
        ['scored examples', String(r.a.examples), String(r.b.examples)],
        ['mean risk', risk(r.a.meanRisk), risk(r.b.meanRisk)],
        ['95% bootstrap interval', interval(r.a.interval), interval(r.b.interval)],
        ['elevated / high', levels(r.a), levels(r.b)],
        ['lines / invalid / blank', lines(r.a), lines(r.b)],
      ],
    ),
    d.meanRisk === null
      ? 'No difference can be computed: a side has no scored example.'
      : `Difference B − A: ${d.meanRisk >= 0 ? '+' : ''}${d.meanRisk.toFixed(3)} (95% bootstrap interval ${interval(d.interval)}, ${d.draws} draws); ` +
        `permutation test p = ${d.p!.toFixed(4)} (${d.permutations} permutations).`,
    '## Risk distribution',
    '```text\n' + histogram(r.a, r.b) + '\n```',
    '## Changes',
    `${r.changes.unchanged} unchanged (${r.changes.moved} of them moved), ${r.changes.changed.length} changed (same prompt, new answer), ` +
      `${r.changes.added.length} added, ${r.changes.removed.length} removed.`,
    ...section('New high-risk examples', r.newHighRisk),
    ...section('Added', r.changes.added),
    ...section('Changed', r.changes.changed),
    ...section('Removed', r.changes.removed),
  ];
  return out.join('\n\n') + '\n';
}

function levels(s: SideReport): string {
  return `${s.counts.elevated} / ${s.counts.high}`;
}

function lines(s: SideReport): string {
  return `${s.summary.lines} / ${s.summary.invalid} / ${s.summary.blank}`;
}

function table(head: string[], rows: string[][]): string {
  return [head, head.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

/** Both sides' risk histograms as bars of the share of each side's examples per tenth of risk. */
function histogram(a: SideReport, b: SideReport): string {
  const share = (s: SideReport, i: number) => (s.examples > 0 ? s.histogram[i] / s.examples : 0);
  const bar = (x: number, ch: string) => ch.repeat(Math.round(x * 40));
  const rows: string[] = ['risk      A ▓ / B ░ (share of each side\'s examples)'];
  for (let i = 0; i < a.histogram.length; i++) {
    const label = `${(i / 10).toFixed(1)}-${((i + 1) / 10).toFixed(1)}`;
    rows.push(`${label}   A ${bar(share(a, i), '▓')} ${(100 * share(a, i)).toFixed(1)}%`);
    rows.push(`          B ${bar(share(b, i), '░')} ${(100 * share(b, i)).toFixed(1)}%`);
  }
  return rows.join('\n');
}

function section(title: string, rows: ChangedExample[]): string[] {
  if (rows.length === 0) return [];
  const shown = rows.slice(0, LISTED).map((c) => [c.lineB === null ? '–' : String(c.lineB), risk(c.riskB), c.lineA === null ? '–' : String(c.lineA), risk(c.riskA)]);
  const more = rows.length > LISTED ? [`…and ${rows.length - LISTED} more (all of them in --format json).`] : [];
  return [`### ${title} (${rows.length})`, table(['B line', 'B risk', 'A line', 'A risk'], shown), ...more];
}
