// A dataset's risk before its scan ends: the exact mean over the lines scanned so far in
// order (a prefix), plus what a uniform random sample of the remaining lines says of the
// rest, with a 95% interval that narrows to the exact value as the scan proceeds.

export interface RiskEstimate {
  /** The estimated mean risk of the dataset's scored examples. */
  risk: number;
  low: number;
  high: number;
  /** Scored examples of the sample beyond the prefix: what the estimate of the rest rests on. */
  sampled: number;
}

export interface EstimateInput {
  /** Risks summed over the scored examples of the prefix, and their count. */
  prefixSum: number;
  prefixExamples: number;
  /** Lines not in the prefix. */
  remainingLines: number;
  /** Sampled lines beyond the prefix that have been scored so far, and the risks of those that were examples. */
  sampledLines: number;
  sampledRisks: readonly number[];
}

/** Fewer sampled examples than this say too little to estimate from, unless what they stand for is under a fifth of the whole. */
const MIN_SAMPLED = 30;
/** Too few to say anything at all. */
const FEWEST = 5;

/**
 * The estimate, or null while the sample says too little (and the prefix is not the whole file).
 * The rest's examples are estimated as the sample's share of examples per line times its lines;
 * the interval is the normal one of the sample's mean, weighted by the rest's share.
 */
export function estimateRisk(x: EstimateInput): RiskEstimate | null {
  const n = x.sampledRisks.length;
  if (x.remainingLines === 0) {
    if (x.prefixExamples === 0) return null;
    const exact = x.prefixSum / x.prefixExamples;
    return { risk: exact, low: exact, high: exact, sampled: 0 };
  }
  if (n < FEWEST) return null;
  const mean = x.sampledRisks.reduce((s, r) => s + r, 0) / n;
  const variance = x.sampledRisks.reduce((s, r) => s + (r - mean) ** 2, 0) / (n - 1);
  const restExamples = (n / x.sampledLines) * x.remainingLines;
  const weight = restExamples / (restExamples + x.prefixExamples);
  if (n < MIN_SAMPLED && weight >= 0.2) return null;
  const risk = (x.prefixSum + restExamples * mean) / (x.prefixExamples + restExamples);
  // Sampling without replacement: the finite-population correction.
  const fpc = Math.max(0, 1 - x.sampledLines / x.remainingLines);
  const half = 1.96 * weight * Math.sqrt((variance / n) * fpc);
  return { risk, low: Math.max(0, risk - half), high: Math.min(1, risk + half), sampled: n };
}
