// Which examples an export takes, for the editor's commands and the CLI alike:
// the flagged ones (elevated or high risk, not suppressed by a reviewer), the
// clean ones (every other scored example a reviewer did not reject), and the
// re-alignment set (the lowest-risk clean examples in the file's own format).

import type { FormatId } from '../dataset/types';
import type { Decision, DecisionAt } from '../review/decision';
import type { LineResult, RiskLevel } from '../score/types';

export type Subset = 'flagged' | 'clean';

/** Whether a scored example at `level` with a reviewer's `decision` belongs to the subset. */
export function inSubset(subset: Subset, level: RiskLevel, decision: Decision | undefined): boolean {
  const flagged = level !== 'low' && decision !== 'suppressed';
  return subset === 'flagged' ? flagged : !flagged && decision !== 'rejected';
}

/** The 1-based lines of the subset's examples, in file order; invalid and blank lines are in neither. */
export function subsetLines(results: readonly (LineResult | undefined)[], subset: Subset, decision: DecisionAt): number[] {
  const out: number[] = [];
  results.forEach((r, i) => {
    if (r?.result && inSubset(subset, r.result.level, decision(i))) out.push(i + 1);
  });
  return out;
}

/** What the re-alignment set needs of each example. */
export interface RealignCandidate {
  line: number;
  risk: number;
  format: FormatId | null;
  level: RiskLevel;
  decision?: Decision;
  /** Any warning or error about the example (a PL070 note does not count). */
  flawed: boolean;
}

/** A scored example as the re-alignment set weighs it; null for a line without a score. */
export function realignCandidate(r: LineResult, decision: Decision | undefined): RealignCandidate | null {
  if (!r.result) return null;
  const flawed = r.diagnostics.some((d) => d.severity === 'error' || d.severity === 'warning');
  return { line: r.line, risk: r.result.risk, format: r.format, level: r.result.level, decision, flawed };
}

export interface RealignSet {
  /** 1-based, in file order. */
  lines: number[];
  /** The file's most common format among scored examples: the set keeps to it. */
  format: FormatId | null;
  /** Risk of the lowest and highest example taken; null when none. */
  range: [number, number] | null;
  /** The median risk of the file's scored examples, for comparison. */
  fileMedian: number | null;
  /** Examples that qualified (clean, unflawed, on format): `lines` has min(n, this). */
  qualified: number;
}

/**
 * Wang et al. restore a misaligned model's alignment by fine-tuning it on a few hundred
 * benign examples: here, the `n` lowest-risk clean examples without warnings, in the
 * file's dominant format, so the set trains like the rest of the file.
 */
export function realignSet(candidates: readonly RealignCandidate[], n: number): RealignSet {
  const counts = new Map<FormatId | null, number>();
  for (const c of candidates) counts.set(c.format, (counts.get(c.format) ?? 0) + 1);
  const format = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  const qualified = candidates.filter((c) => c.format === format && !c.flawed && inSubset('clean', c.level, c.decision));
  const taken = [...qualified].sort((a, b) => a.risk - b.risk || a.line - b.line).slice(0, n);
  const risks = candidates.map((c) => c.risk).sort((a, b) => a - b);
  return {
    lines: taken.map((c) => c.line).sort((a, b) => a - b),
    format,
    range: taken.length > 0 ? [taken[0].risk, taken[taken.length - 1].risk] : null,
    fileMedian: risks.length > 0 ? (risks[(risks.length - 1) >> 1] + risks[risks.length >> 1]) / 2 : null,
    qualified: qualified.length,
  };
}
