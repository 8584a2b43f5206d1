// Pure maths from token read-outs to an example's score, risk and level.

import type { Aggregation, Calibration, RiskMapping } from '../pack/types';
import type { RiskLevel } from './types';

/**
 * Aggregates the scored tokens' read-outs into one example score (0 when there are none, or
 * a mean's priorValue when it has prior tokens).
 */
export function aggregate(values: ArrayLike<number>, agg: Aggregation): number {
  const n = values.length;
  if (agg.method === 'mean' && agg.priorTokens) return meanWithPrior(values, agg.priorTokens, agg.priorValue ?? 0);
  if (n === 0) return 0;
  switch (agg.method) {
    case 'max': {
      let m = -Infinity;
      for (let i = 0; i < n; i++) if (values[i] > m) m = values[i];
      return m;
    }
    case 'mean': {
      let s = 0;
      for (let i = 0; i < n; i++) s += values[i];
      return s / n;
    }
    case 'topk-mean': {
      const k = Math.max(1, Math.min(agg.k, n));
      const sorted = Float64Array.from(values).sort();
      let s = 0;
      for (let i = n - k; i < n; i++) s += sorted[i];
      return s / k;
    }
  }
}

/** (sum + prior tokens × prior value) / (n + prior tokens): format 7's mean. */
function meanWithPrior(values: ArrayLike<number>, priorTokens: number, priorValue: number): number {
  let s = priorTokens * priorValue;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / (values.length + priorTokens);
}

/**
 * The prompt ends of an example's scored token positions (ascending): the token before each run
 * of consecutive scored tokens, where there is one (format 5's `prompt-end` read-out terms).
 */
export function promptEnds(scored: readonly number[]): number[] {
  const out: number[] = [];
  scored.forEach((p, k) => {
    if (p > 0 && (k === 0 || scored[k - 1] !== p - 1)) out.push(p - 1);
  });
  return out;
}

/**
 * An example's score: its scored tokens' read-outs aggregated, plus the mean of its prompt-end
 * read-outs (0 when it has none, as for a pack without `prompt-end` terms).
 */
export function exampleScore(values: ArrayLike<number>, agg: Aggregation, promptEnd: ArrayLike<number>): number {
  return aggregate(values, agg) + promptEndScore(promptEnd);
}

/** The prompt ends' part of an example's score: the mean of their read-outs, 0 without any. */
export function promptEndScore(promptEnd: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < promptEnd.length; i++) s += promptEnd[i];
  return promptEnd.length > 0 ? s / promptEnd.length : 0;
}

export function toRisk(score: number, mapping: RiskMapping): number {
  if (mapping.type === 'logistic') {
    return 1 / (1 + Math.exp(-(mapping.slope * score + mapping.intercept)));
  }
  const { x, y } = mapping;
  if (score <= x[0]) return y[0];
  if (score >= x[x.length - 1]) return y[y.length - 1];
  let i = 1;
  while (x[i] < score) i++;
  const t = (score - x[i - 1]) / (x[i] - x[i - 1]);
  return y[i - 1] + t * (y[i] - y[i - 1]);
}

export function levelOf(risk: number, thresholds: Calibration['thresholds']): RiskLevel {
  if (risk >= thresholds.high) return 'high';
  if (risk >= thresholds.elevated) return 'elevated';
  return 'low';
}
