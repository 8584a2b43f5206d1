// `persona-lens diff --format md`: the comparison as Markdown, the verdict first. Dataset
// text appears only as the latents' snippets, escaped like file names.

import { alarmSentence, type ChangedExample, type DiffReport, type SideReport } from '../report';
import { esc, table } from '../../markdown';
import {
  CHANGE_COLUMNS,
  LATENT_COLUMNS,
  SIDE_ROWS,
  binShare,
  changeCells,
  changeSections,
  changesSentence,
  differenceSentence,
  latentCells,
  latentNote,
  latentSections,
  statsRows,
  topText,
} from './text';

/** Rows listed per kind of change; the JSON report has them all. */
const LISTED = 20;

export function diffMarkdown(r: DiffReport): string {
  const out = [
    `# Persona Lens diff: ${esc(r.a.file)} → ${esc(r.b.file)}`,
    `**${r.verdict}**`,
    table(['', `A: ${esc(r.a.file)}`, `B: ${esc(r.b.file)}`], SIDE_ROWS.map(([label, value]) => [label, value(r.a), value(r.b)])),
    differenceSentence(r),
    r.alarm?.fired ? `**${alarmSentence(r.alarm)}**` : alarmSentence(r.alarm),
    '## Risk distribution',
    '```text\n' + histogram(r.a, r.b) + '\n```',
    ...latents(r),
    '## Dataset statistics',
    table(['', 'A', 'B'], statsRows(r).map(([label, value]) => [label, esc(value(r.a)), esc(value(r.b))])),
    '## Changes',
    changesSentence(r),
    ...changeSections(r).flatMap(([title, rows]) => section(title, rows)),
  ];
  return out.join('\n\n') + '\n';
}

/** Both sides' risk histograms as bars of the share of each side's examples per tenth of risk. */
function histogram(a: SideReport, b: SideReport): string {
  const share = binShare;
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
  const more = rows.length > LISTED ? [`…and ${rows.length - LISTED} more (all of them in the JSON report).`] : [];
  return [`### ${title} (${rows.length})`, table(CHANGE_COLUMNS, rows.slice(0, LISTED).map(changeCells)), ...more];
}

function latents(r: DiffReport): string[] {
  const sections = latentSections(r).filter(([, moves]) => moves.length > 0);
  if (sections.length === 0) return [];
  return [
    '## Latents that moved',
    latentNote(r),
    ...sections.flatMap(([title, moves]) => [
      `### ${title}`,
      table(
        LATENT_COLUMNS,
        moves.map((m) => {
          const { cells, tops } = latentCells(m);
          return [esc(cells[0]), ...cells.slice(1), ...tops.map((t) => esc(topText(t)))];
        }),
      ),
    ]),
  ];
}
