// Which read-out term names an example: the label a badge, lens and hover show beside its risk.
// Per example, not per pack: a persona direction read beside a probe adds to every example's
// score, so naming it wherever the pack has it would put its label on every flagged line,
// whatever made the line risky.

import { NAMING_METHODS, type Calibration, type LatentsFile } from '../pack/types';

/** A read-out term that may name an example: `latent` or `direction` says which. */
export interface NamingTerm {
  label: string;
  weight: number;
  /** The term names an example where weight × its mean over the scored tokens is above this. */
  threshold: number;
  latent?: number;
  direction?: string;
}

/**
 * The read-out's terms that may name an example: latent and direction terms read at the scored
 * tokens that raise risk (weight > 0), labelled in latents.json and found as a persona there
 * (NAMING_METHODS: a probe's weight says only that a term predicts risk). Thresholds are their
 * `namesAbove` (format 8); without one a latent names where it fired, and a direction, whose
 * projection has no zero to fire above, never does.
 */
export function namingTerms(calibration: Calibration, latents: LatentsFile): NamingTerm[] {
  return calibration.readout.flatMap((r): NamingTerm[] => {
    if (r.weight <= 0 || 'latentWeights' in r || ('at' in r && r.at !== undefined)) return [];
    const about = 'latent' in r ? latents.latents.find((l) => l.index === r.latent) : latents.directions?.find((d) => d.name === r.direction);
    if (!about?.label || !NAMING_METHODS.includes(about.foundBy.method)) return [];
    const threshold = r.namesAbove ?? ('latent' in r ? 0 : null);
    if (threshold === null) return [];
    const term = 'latent' in r ? { latent: r.latent } : { direction: r.direction };
    return [{ ...term, label: about.label, weight: r.weight, threshold }];
  });
}

/**
 * Which term names an example, from each term's part of its score (weight × mean over its scored
 * tokens, `parts[i]` for `terms[i]`): of those above their threshold, the one furthest above it
 * (score units, so terms compare); -1 when none is. As pack_builder's `named_by`.
 */
export function namedBy(parts: ArrayLike<number>, terms: ReadonlyArray<{ threshold: number }>): number {
  let best = -1;
  let margin = 0;
  terms.forEach(({ threshold }, i) => {
    const over = parts[i] - threshold;
    if (over > 0 && (best < 0 || over > margin)) [best, margin] = [i, over];
  });
  return best;
}
