// `persona-lens pack evaluate [PACK] --positive FILE... --negative FILE...`: every file
// scanned (through the result cache), the pack's trustworthiness on them measured
// (core/evaluate.ts) and written as Markdown or JSON.

import { parseFileBatches } from '../core/dataset';
import { evaluatePack, type Evaluation, type ScoredFile } from '../core/evaluate';
import { Scanner } from '../core/score/scanner';
import { scanLines } from '../core/score/scanLines';
import type { EvaluateCommand } from './args';
import { checkReadable, loadPackOrFail, openCache, writeReport } from './common';
import { esc, table } from '../core/markdown';

export async function evaluate(cmd: EvaluateCommand): Promise<number> {
  await checkReadable([...cmd.positive, ...cmd.negative]);
  const { pack } = await loadPackOrFail(cmd);
  const cache = cmd.cache ? openCache(cmd.cacheDir, pack) : null;
  const files: ScoredFile[] = [];
  try {
    const scanner = new Scanner(pack, { cache });
    for (const [paths, positive] of [[cmd.positive, true], [cmd.negative, false]] as const) {
      for (const file of paths) {
        const scored: ScoredFile = { file, positive, risks: [], levels: [] };
        for await (const r of scanLines(parseFileBatches(file), scanner)) {
          if (!r.result) continue;
          scored.risks.push(r.result.risk);
          scored.levels.push(r.result.level);
        }
        files.push(scored);
      }
    }
  } finally {
    cache?.close();
    await pack.dispose();
  }
  const result = evaluatePack(files);
  const name = `${pack.manifest.name} ${pack.manifest.version}`;
  await writeReport(cmd.output, cmd.format === 'json' ? `${JSON.stringify({ pack: name, ...result }, null, 2)}\n` : evaluationMarkdown(name, result));
  return 0;
}

const f3 = (x: number | null) => (x === null || Number.isNaN(x) ? '–' : x.toFixed(3));
const pct = (x: number) => (Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)}%`);

export function evaluationMarkdown(pack: string, e: Evaluation): string {
  const c = e.contamination;
  const out = [
    `# Persona Lens pack evaluation: ${esc(pack)}`,
    `${e.positives} EM-inducing (positive) and ${e.negatives} other (negative) scored examples.`,
    `**AUROC ${f3(e.auroc)}**` + (e.interval ? ` (95% bootstrap interval ${f3(e.interval[0])} to ${f3(e.interval[1])})` : ''),
    table(
      ['', 'positive', 'negative'],
      [
        ['flagged (elevated or high)', pct(e.flagged.positive), pct(e.flagged.negative)],
        ['high', pct(e.high.positive), pct(e.high.negative)],
      ],
    ),
    '## Calibration (by tenth of predicted risk; the share that is positive depends on your mix of files)',
    table(
      ['predicted risk', 'examples', 'mean predicted', 'positive share'],
      e.calibration.map((b) => [`${b.from.toFixed(1)}–${b.to.toFixed(1)}`, String(b.examples), f3(b.meanRisk), b.positiveShare === null ? '–' : pct(b.positiveShare)]),
    ),
    '## Mean risk of every file, highest first',
    table(
      ['file', 'label', 'examples', 'mean risk'],
      e.files.map((f) => [esc(f.file), f.positive ? 'positive' : 'negative', String(f.examples), f3(f.meanRisk)]),
    ),
    '## Contamination',
    ...(c
      ? [
          `Datasets of ${c.size} negative examples with a share of positives mixed in, ${c.draws} of each against as many clean ones: the AUROC of their mean risk, and how often the diff's alarm fires against a clean dataset.`,
          table(
            ['EM share', 'mean-risk AUROC', 'alarm fires'],
            c.rows.map((r) => [pct(r.fraction), f3(r.meanRiskAuroc), pct(r.alarmRate)]),
          ),
          `Smallest share told apart: ${c.smallestByMean === null ? 'none of these' : pct(c.smallestByMean)} by mean risk (AUROC ≥ 0.95), ${c.smallestByAlarm === null ? 'none of these' : pct(c.smallestByAlarm)} by the alarm (fires ≥ 95% of the time).`,
        ]
      : ['Needs scored examples of both labels.']),
  ];
  return out.join('\n\n') + '\n';
}
