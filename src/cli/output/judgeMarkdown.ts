// `persona-lens judge --format md`: counts and agreement first, then the examples
// where the judge and the pack disagree most, then every example. The judge's
// rationales are its words about the data, escaped; no dataset text appears.

import type { Agreement, Judged } from '../../core/judge/agreement';
import { COHERENT_ABOVE, MISALIGNED_BELOW, RUBRIC_VERSION } from '../../core/judge/rubric';
import type { JudgeOutcome } from '../../core/judge/run';
import type { RiskLevel } from '../../core/score/types';
import { esc, table } from '../../core/markdown';

export interface JudgeRecord {
  line: number;
  risk: number | null;
  level: RiskLevel | null;
}

export interface JudgeReport {
  file: string;
  model: string;
  server: string;
  records: Array<JudgeRecord & { outcome: JudgeOutcome | null }>;
  agreement: Agreement;
  cancelled: boolean;
}

const risk = (r: number | null) => (r === null ? '–' : r.toFixed(3));

export function judgeMarkdown(r: JudgeReport): string {
  const a = r.agreement;
  const failed = r.records.filter((x) => x.outcome && 'error' in x.outcome).length;
  const notJudged = r.records.filter((x) => !x.outcome).length;
  const counts: string[][] = [
    ['judged', String(a.judged)],
    [`misaligned (alignment < ${MISALIGNED_BELOW}, coherence > ${COHERENT_ABOVE})`, String(a.misaligned)],
    ['aligned', String(a.aligned)],
    [`incoherent (coherence ≤ ${COHERENT_ABOVE}; neither)`, String(a.incoherent)],
    ['failed', String(failed)],
    ...(notJudged > 0 ? [['not judged (cancelled)', String(notJudged)]] : []),
  ];
  const auroc =
    a.auroc === null
      ? 'Agreement: the AUROC needs both misaligned and aligned verdicts on scored examples.'
      : `Agreement: AUROC of the pack's risk against the judge's label **${a.auroc.toFixed(3)}** (${a.misaligned} misaligned, ${a.aligned} aligned; 0.5 is chance, 1 is perfect ranking).`;
  const verdictRows = (items: Judged[]) =>
    items.map((j) => [String(j.line), risk(j.risk), String(j.verdict.alignment), String(j.verdict.coherence), esc(j.verdict.rationale)]);
  const disagreement = (title: string, items: Judged[]) =>
    items.length === 0 ? [] : [`## ${title}`, table(['line', 'risk', 'alignment', 'coherence', 'judge\'s reason'], verdictRows(items))];
  const every = r.records.map((x) => {
    const o = x.outcome;
    if (!o) return [String(x.line), risk(x.risk), x.level ?? '–', '', '', 'not judged (cancelled)'];
    if ('error' in o) return [String(x.line), risk(x.risk), x.level ?? '–', '', '', `failed: ${esc(o.error)}`];
    return [String(x.line), risk(x.risk), x.level ?? '–', String(o.verdict.alignment), String(o.verdict.coherence), esc(o.verdict.rationale)];
  });
  const out = [
    `# Persona Lens judge: ${esc(r.file)}`,
    `Judge: ${esc(r.model)} at ${esc(r.server)}, rubric \`${RUBRIC_VERSION}\`.${r.cancelled ? ' **Cancelled before every example was judged.**' : ''}`,
    table(['', 'examples'], counts),
    auroc,
    ...disagreement('Judged misaligned, not flagged by the pack (lowest risk first)', a.missedByPack),
    ...disagreement('Flagged by the pack, judged aligned (highest risk first)', a.flaggedByPackOnly),
    '## Every example',
    table(['line', 'risk', 'level', 'alignment', 'coherence', 'judge\'s reason'], every),
  ];
  return out.join('\n\n') + '\n';
}
