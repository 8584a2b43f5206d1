// Model diffing's ranking (Wang et al., "Persona Features Control Emergent Misalignment"):
// every SAE latent's mean activation over the tuned model's counted tokens minus over the
// base model's; #1, #2, ... the largest increases, #-1, #-2, ... the largest decreases.

export interface LatentMeans {
  /** Per latent: mean activation over the counted tokens. */
  mean(latent: number): number;
  /** Per latent: share of counted tokens it fires at. */
  fireRate(latent: number): number;
}

export interface RankedLatent {
  /** 1, 2, ... for increases (1 the largest); -1, -2, ... for decreases (-1 the largest). */
  rank: number;
  index: number;
  /** Tuned mean minus base mean. */
  diff: number;
  baseMean: number;
  tunedMean: number;
  /** Share of counted tokens it fires at, per model. */
  baseFires: number;
  tunedFires: number;
}

export interface Ranking {
  /** Every latent whose mean rose, largest rise first (rank 1, 2, ...). */
  increases: RankedLatent[];
  /** Every latent whose mean fell, largest fall first (rank -1, -2, ...). */
  decreases: RankedLatent[];
}

/** Ranks every latent of d_sae by the change of its mean; ties go to the lower index, latents that did not move get no rank. */
export function rankLatents(dSae: number, base: LatentMeans, tuned: LatentMeans): Ranking {
  const all = Array.from({ length: dSae }, (_, index) => {
    const baseMean = base.mean(index);
    const tunedMean = tuned.mean(index);
    return { rank: 0, index, diff: tunedMean - baseMean, baseMean, tunedMean, baseFires: base.fireRate(index), tunedFires: tuned.fireRate(index) };
  });
  const increases = all.filter((l) => l.diff > 0).sort((a, b) => b.diff - a.diff || a.index - b.index);
  const decreases = all.filter((l) => l.diff < 0).sort((a, b) => a.diff - b.diff || a.index - b.index);
  increases.forEach((l, i) => (l.rank = i + 1));
  decreases.forEach((l, i) => (l.rank = -(i + 1)));
  return { increases, decreases };
}

/** The latent at `rank` (1-based; negative for decreases), or null when there is none so far down. */
export function atRank(ranking: Ranking, rank: number): RankedLatent | null {
  if (!Number.isInteger(rank) || rank === 0) return null;
  return (rank > 0 ? ranking.increases[rank - 1] : ranking.decreases[-rank - 1]) ?? null;
}
