// Which lines the export commands copy: the flagged examples (elevated or high
// risk, not suppressed by a reviewer) or the clean ones (every other valid
// example). No `vscode` here.

import type { LineResult } from '../core/score/types';
import type { DecisionAt } from './decorationPlan';

export type Subset = 'flagged' | 'clean';

/** The 1-based lines of the subset's examples, in file order; invalid and blank lines are in neither. */
export function subsetLines(results: readonly (LineResult | undefined)[], subset: Subset, decision: DecisionAt): number[] {
  const out: number[] = [];
  results.forEach((r, i) => {
    if (!r?.result) return;
    const flagged = r.result.level !== 'low' && decision(i) !== 'suppressed';
    if (flagged === (subset === 'flagged')) out.push(i + 1);
  });
  return out;
}
