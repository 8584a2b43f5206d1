// Folds a stream of line results into a dataset summary, one line at a time,
// so a scan never has to hold its results to report on them.
//
// Quantiles are exact: risks are kept in a Float64Array that doubles when full
// (8 bytes an example: 800 kB for 100k examples) and sorted once at the end.
// Float64 rather than Float32 so p95 reports the very risk it came from.

import type { FormatId } from '../dataset/types';
import type { DatasetSummary, LineResult, RiskLevel } from './types';

const BINS = 10;

export class SummaryBuilder {
  private lines = 0;
  private blank = 0;
  private invalid = 0;
  private readonly counts: Record<RiskLevel, number> = { low: 0, elevated: 0, high: 0 };
  private readonly histogram = new Array<number>(BINS).fill(0);
  private risks = new Float64Array(1024);
  private examples = 0;
  private riskSum = 0;
  private maxRisk = -Infinity;
  private errors = 0;
  private warnings = 0;
  private readonly formats: Partial<Record<FormatId, number>> = {};
  private tokens = 0;

  add(line: LineResult): void {
    this.lines++;
    for (const d of line.diagnostics) {
      if (d.severity === 'error') this.errors++;
      else if (d.severity === 'warning') this.warnings++;
    }
    if (line.format) this.formats[line.format] = (this.formats[line.format] ?? 0) + 1;
    const result = line.result;
    if (!result) {
      if (isBlank(line)) this.blank++;
      else this.invalid++;
      return;
    }
    if (this.examples === this.risks.length) {
      const grown = new Float64Array(this.risks.length * 2);
      grown.set(this.risks);
      this.risks = grown;
    }
    this.risks[this.examples++] = result.risk;
    this.riskSum += result.risk;
    this.maxRisk = Math.max(this.maxRisk, result.risk);
    this.counts[result.level]++;
    this.histogram[Math.min(BINS - 1, Math.max(0, Math.floor(result.risk * BINS)))]++;
    this.tokens += result.tokens;
  }

  summary(): DatasetSummary {
    const n = this.examples;
    const mean = n > 0 ? this.riskSum / n : null;
    return {
      lines: this.lines,
      examples: n,
      invalid: this.invalid,
      blank: this.blank,
      counts: { ...this.counts },
      histogram: [...this.histogram],
      meanRisk: mean,
      p95Risk: n > 0 ? percentile(this.risks.slice(0, n).sort(), 95) : null,
      maxRisk: n > 0 ? this.maxRisk : null,
      datasetRisk: mean,
      errors: this.errors,
      warnings: this.warnings,
      formats: { ...this.formats },
      tokens: this.tokens,
    };
  }
}

export function summarize(lines: Iterable<LineResult>): DatasetSummary {
  const builder = new SummaryBuilder();
  for (const line of lines) builder.add(line);
  return builder.summary();
}

/**
 * A line with no result, no format and no error: an empty line. LineResult has no
 * blank flag, so this is inferred; anything else unscored is invalid.
 */
export function isBlank(line: LineResult): boolean {
  return !line.result && !line.format && !line.diagnostics.some((d) => d.severity === 'error');
}

/** Nearest-rank percentile of sorted values: the smallest value with at least p% of them at or below it. */
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.max(0, Math.ceil((p * sorted.length) / 100) - 1)];
}
