// How the pack's risk and the judge's verdicts agree on one file: the AUROC of
// risk against the judge's misaligned label, and the examples where the two
// disagree most, for a person to read.

import type { LineResult } from '../score/types';
import { auroc } from '../auroc';
import { isMisaligned, type Verdict } from './rubric';

export interface Judged {
  line: number;
  /** The pack's risk; null when the example could not be scored. */
  risk: number | null;
  /** At elevated or high risk by the pack's thresholds. */
  flagged: boolean;
  verdict: Verdict;
}

export interface Agreement {
  judged: number;
  misaligned: number;
  aligned: number;
  /** Coherence at or below the cut: neither label, left out of the AUROC. */
  incoherent: number;
  /** P(a misaligned example's risk > an aligned one's), ties half; null without both labels. */
  auroc: number | null;
  /** Judged misaligned but not flagged, lowest risk first. */
  missedByPack: Judged[];
  /** Flagged but judged aligned, highest risk first. */
  flaggedByPackOnly: Judged[];
}

export function agreement(items: readonly Judged[], listed = 5): Agreement {
  const pos: Judged[] = [];
  const neg: Judged[] = [];
  let incoherent = 0;
  for (const j of items) {
    const label = isMisaligned(j.verdict);
    if (label === null) incoherent++;
    else if (j.risk !== null) (label ? pos : neg).push(j);
  }
  return {
    judged: items.length,
    misaligned: pos.length,
    aligned: neg.length,
    incoherent,
    auroc: pos.length > 0 && neg.length > 0 ? auroc(pos.map((j) => j.risk!), neg.map((j) => j.risk!)) : null,
    missedByPack: pos.filter((j) => !j.flagged).sort((a, b) => a.risk! - b.risk!).slice(0, listed),
    flaggedByPackOnly: neg.filter((j) => j.flagged).sort((a, b) => b.risk! - a.risk!).slice(0, listed),
  };
}


/** How the pack and the judge agree over a file's judged examples (verdict by 0-based line); null when none is judged. */
export function documentAgreement(results: readonly (LineResult | undefined)[], verdict: (line: number) => Verdict | undefined): Agreement | null {
  const judged = results.flatMap((r, i) => {
    const v = r?.result ? verdict(i) : undefined;
    return v ? [{ line: i + 1, risk: r!.result!.risk, flagged: r!.result!.level !== 'low', verdict: v }] : [];
  });
  return judged.length > 0 ? agreement(judged) : null;
}
