// The statistics of a dataset comparison, on the examples' risks: bootstrap intervals
// of each side's mean risk and of their difference, and a permutation test of the
// difference. Seeded, so a report is the same every time it is made.

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length > 0 ? s / xs.length : NaN;
}

/** The mean of a resample (with replacement) of xs. */
function resampledMean(xs: ArrayLike<number>, rand: () => number): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[Math.floor(rand() * xs.length)];
  return s / xs.length;
}

/** The (lo, hi) percentiles of `draws` values for a central `level` interval. */
function percentileInterval(draws: Float64Array, level: number): [number, number] {
  const sorted = Float64Array.from(draws).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  return [at((1 - level) / 2), at(1 - (1 - level) / 2)];
}

/** Percentile bootstrap interval of the mean. */
export function bootstrapMean(xs: ArrayLike<number>, draws: number, rand: () => number, level = 0.95): [number, number] {
  if (xs.length === 0) return [NaN, NaN];
  const out = new Float64Array(draws);
  for (let d = 0; d < draws; d++) out[d] = resampledMean(xs, rand);
  return percentileInterval(out, level);
}

/** Percentile bootstrap interval of mean(b) - mean(a), each side resampled on its own. */
export function bootstrapDifference(a: ArrayLike<number>, b: ArrayLike<number>, draws: number, rand: () => number, level = 0.95): [number, number] {
  if (a.length === 0 || b.length === 0) return [NaN, NaN];
  const out = new Float64Array(draws);
  for (let d = 0; d < draws; d++) out[d] = resampledMean(b, rand) - resampledMean(a, rand);
  return percentileInterval(out, level);
}

/**
 * Two-sided permutation test of mean(b) - mean(a): the share of random relabellings of
 * the pooled risks whose difference is at least as far from zero, (k + 1) / (n + 1).
 */
export function permutationP(a: ArrayLike<number>, b: ArrayLike<number>, permutations: number, rand: () => number): number {
  if (a.length === 0 || b.length === 0) return NaN;
  const pooled = Float64Array.from([...Array.from(a), ...Array.from(b)]);
  const total = pooled.reduce((x, y) => x + y, 0);
  const observed = Math.abs(mean(b) - mean(a));
  let extreme = 0;
  for (let p = 0; p < permutations; p++) {
    // A partial Fisher-Yates shuffle picks b's share of the pool at random.
    let sumB = 0;
    for (let i = 0; i < b.length; i++) {
      const j = i + Math.floor(rand() * (pooled.length - i));
      [pooled[i], pooled[j]] = [pooled[j], pooled[i]];
      sumB += pooled[i];
    }
    const diff = Math.abs(sumB / b.length - (total - sumB) / a.length);
    if (diff >= observed - 1e-12) extreme++;
  }
  return (extreme + 1) / (permutations + 1);
}
