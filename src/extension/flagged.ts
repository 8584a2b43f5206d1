// Which lines of a scanned file are findings, and which comes next: no `vscode` here,
// so unit tests can check the order.

import type { LineResult } from '../core/score/types';

/** The results at elevated or high risk, in line order. */
export function flagged(results: readonly (LineResult | undefined)[]): LineResult[] {
  return results.filter((r): r is LineResult => !!r?.result && r.result.level !== 'low');
}

/** The 0-based line of the next (or previous) flagged, unsuppressed example after (before) `from`, wrapping around; null when none. */
export function nextFinding(results: readonly (LineResult | undefined)[], from: number, direction: 1 | -1, suppressed: (line: number) => boolean): number | null {
  const lines = flagged(results)
    .map((r) => r.line - 1)
    .filter((l) => !suppressed(l));
  if (lines.length === 0) return null;
  if (direction === 1) return lines.find((l) => l > from) ?? lines[0];
  return [...lines].reverse().find((l) => l < from) ?? lines[lines.length - 1];
}
