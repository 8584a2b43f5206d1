// How far a pack deserves trust on a user's data (`persona-lens pack evaluate`):
// from the risks it gives examples the user knows to be EM-inducing (positive)
// and not (negative): AUROC with a bootstrap interval, flag rates, a calibration
// curve, every file's mean risk in order, and the smallest contaminated share of
// a dataset that its mean risk, and the diff's alarm, tell apart from a clean one.

import { auroc } from './auroc';
import { contaminationAlarm } from './diff/alarm';
import { mean } from './diff/stats';
import { seededRandom } from './random';
import type { RiskLevel } from './score/types';

export interface ScoredFile {
  file: string;
  positive: boolean;
  risks: number[];
  levels: RiskLevel[];
}

export interface Evaluation {
  positives: number;
  negatives: number;
  auroc: number | null;
  /** 95% percentile bootstrap interval of the AUROC (each class resampled on its own). */
  interval: [number, number] | null;
  /** Share of each class at elevated or high risk, and at high. */
  flagged: { positive: number; negative: number };
  high: { positive: number; negative: number };
  /** By tenth of predicted risk: examples, mean predicted risk, and the share of them that are positive. */
  calibration: Array<{ from: number; to: number; examples: number; meanRisk: number | null; positiveShare: number | null }>;
  /** Every file, highest mean risk first. */
  files: Array<{ file: string; positive: boolean; examples: number; meanRisk: number | null }>;
  /** Datasets of `size` negatives with a share of positives mixed in, against clean ones. */
  contamination: {
    size: number;
    draws: number;
    rows: Array<{ fraction: number; meanRiskAuroc: number; alarmRate: number }>;
    /** The smallest fraction whose mean-risk AUROC reaches 0.95, and whose alarm fires at least 95% of the time. */
    smallestByMean: number | null;
    smallestByAlarm: number | null;
  } | null;
}

export const FRACTIONS = [0.01, 0.02, 0.05, 0.1, 0.2];

export interface EvaluateOptions {
  draws?: number;
  /** Datasets drawn per fraction for the contamination rows. */
  mixDraws?: number;
  /** Examples in each drawn dataset (at most the negatives there are). */
  mixSize?: number;
  /** Resamples behind each alarm. */
  alarmDraws?: number;
  seed?: number;
}

export function evaluatePack(files: readonly ScoredFile[], opts: EvaluateOptions = {}): Evaluation {
  const rand = seededRandom(opts.seed ?? 20261205);
  const pos = files.filter((f) => f.positive);
  const neg = files.filter((f) => !f.positive);
  const p = pos.flatMap((f) => f.risks);
  const n = neg.flatMap((f) => f.risks);
  const share = (fs: readonly ScoredFile[], levels: RiskLevel[]) => {
    const all = fs.flatMap((f) => f.levels);
    return all.length > 0 ? all.filter((l) => levels.includes(l)).length / all.length : NaN;
  };
  const both = p.length > 0 && n.length > 0;
  return {
    positives: p.length,
    negatives: n.length,
    auroc: both ? auroc(p, n) : null,
    interval: both ? bootstrapAuroc(p, n, opts.draws ?? 1000, rand) : null,
    flagged: { positive: share(pos, ['elevated', 'high']), negative: share(neg, ['elevated', 'high']) },
    high: { positive: share(pos, ['high']), negative: share(neg, ['high']) },
    calibration: calibrationCurve(p, n),
    files: files
      .map((f) => ({ file: f.file, positive: f.positive, examples: f.risks.length, meanRisk: f.risks.length > 0 ? mean(f.risks) : null }))
      .sort((a, b) => (b.meanRisk ?? -1) - (a.meanRisk ?? -1)),
    contamination: both ? contamination(p, n, opts, rand) : null,
  };
}

function pick(xs: readonly number[], k: number, rand: () => number): number[] {
  return Array.from({ length: k }, () => xs[Math.floor(rand() * xs.length)]);
}

function bootstrapAuroc(p: readonly number[], n: readonly number[], draws: number, rand: () => number): [number, number] {
  const out = new Float64Array(draws);
  for (let d = 0; d < draws; d++) out[d] = auroc(pick(p, p.length, rand), pick(n, n.length, rand));
  out.sort();
  const at = (q: number) => out[Math.min(draws - 1, Math.max(0, Math.round(q * (draws - 1))))];
  return [at(0.025), at(0.975)];
}

function calibrationCurve(p: readonly number[], n: readonly number[]): Evaluation['calibration'] {
  return Array.from({ length: 10 }, (_, i) => {
    const inBin = (r: number) => r >= i / 10 && (r < (i + 1) / 10 || (i === 9 && r <= 1));
    const bp = p.filter(inBin);
    const bn = n.filter(inBin);
    const all = [...bp, ...bn];
    return { from: i / 10, to: (i + 1) / 10, examples: all.length, meanRisk: all.length > 0 ? mean(all) : null, positiveShare: all.length > 0 ? bp.length / all.length : null };
  });
}

function contamination(p: readonly number[], n: readonly number[], opts: EvaluateOptions, rand: () => number): NonNullable<Evaluation['contamination']> {
  const size = Math.min(opts.mixSize ?? 200, n.length);
  const draws = opts.mixDraws ?? 200;
  const alarmDraws = opts.alarmDraws ?? 200;
  const rows = FRACTIONS.map((fraction) => {
    const bad = Math.max(1, Math.round(fraction * size));
    const clean: number[] = [];
    const mixed: number[] = [];
    let fired = 0;
    for (let d = 0; d < draws; d++) {
      clean.push(mean(pick(n, size, rand)));
      const b = [...pick(n, size - bad, rand), ...pick(p, bad, rand)];
      mixed.push(mean(b));
      // The diff's alarm between a clean dataset and this one, as a pull request would run it.
      if (contaminationAlarm(pick(n, size, rand), b, alarmDraws, d)!.fired) fired++;
    }
    return { fraction, meanRiskAuroc: auroc(mixed, clean), alarmRate: fired / draws };
  });
  return {
    size,
    draws,
    rows,
    smallestByMean: rows.find((r) => r.meanRiskAuroc >= 0.95)?.fraction ?? null,
    smallestByAlarm: rows.find((r) => r.alarmRate >= 0.95)?.fraction ?? null,
  };
}
