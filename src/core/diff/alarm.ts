// The early-warning alarm of a dataset comparison: does B hold a contaminating
// fraction of EM-inducing examples that A does not? A few per cent of bad rows
// barely move the mean, but they put more of B above A's own top risks. So the
// statistic is the share of B's examples above A's 99th-percentile risk, and the
// alarm's threshold is what that share reaches in only 1% of clean resamples
// (both sides drawn from A, as a B without contamination would be).

import { beta, binomial, seededRandom } from '../random';

/** The alarm may fire on at most this share of comparisons where B is as clean as A. */
export const FALSE_ALARM_RATE = 0.01;
/** A's risk quantile that B's examples are counted above. */
export const TAIL = 0.99;

export interface Alarm {
  /** A's risk at its TAIL quantile. */
  cut: number;
  /** Share of B's examples above `cut`. */
  shareB: number;
  /** The share that clean resamples exceed FALSE_ALARM_RATE of the time. */
  threshold: number;
  /** Share of clean resamples whose share is at least B's, (k + 1) / (draws + 1). */
  p: number;
  fired: boolean;
  draws: number;
}

/** The `q` quantile of sorted values (the value at rank ceil(q n), as a count-above cut). */
function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** How many of sorted `xs` are above `cut` (binary search). */
function countAbove(xs: Float64Array, cut: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] > cut) hi = mid;
    else lo = mid + 1;
  }
  return xs.length - lo;
}

function shareAbove(xs: ArrayLike<number>, cut: number): number {
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (xs[i] > cut) n++;
  return n / xs.length;
}

/** The alarm for risks `a` (the reference) and `b`; null when either side has no scored example. */
export function contaminationAlarm(a: readonly number[], b: readonly number[], draws = 2000, seed = 20261205): Alarm | null {
  if (a.length === 0 || b.length === 0) return null;
  const rand = seededRandom(seed);
  const sortedA = Float64Array.from(a).sort();
  const cut = quantile(sortedA, TAIL);
  const shareB = shareAbove(b, cut);
  // Both sides resampled from A, in closed form rather than element by element (100k
  // examples would take 2,000 sorts of 100k): the resampled A's cut is the k-th smallest of
  // n uniform picks of sorted A, so sorted A at floor(n U) with U ~ Beta(k, n - k + 1); the
  // resampled B's count above it is Binomial(|B|, share of A above that cut).
  const n = sortedA.length;
  const k = Math.min(n, Math.max(1, Math.ceil(TAIL * n)));
  const nullShares = new Float64Array(draws);
  for (let d = 0; d < draws; d++) {
    const cutStar = sortedA[Math.min(n - 1, Math.floor(n * beta(k, n - k + 1, rand)))];
    nullShares[d] = binomial(b.length, countAbove(sortedA, cutStar) / n, rand) / b.length;
  }
  nullShares.sort();
  const threshold = quantile(nullShares, 1 - FALSE_ALARM_RATE);
  let atLeast = 0;
  for (const s of nullShares) if (s >= shareB - 1e-12) atLeast++;
  return { cut, shareB, threshold, p: (atLeast + 1) / (draws + 1), fired: shareB > threshold, draws };
}
