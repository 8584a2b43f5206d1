// Which SAE latents moved between the sides: each latent's mean activation (its largest
// over an example's scored tokens, 0 where it did not fire) on A and on B. The pack's
// named latents come first, read on every example; then the unnamed ones that moved most,
// estimated from the examples the scanner fully encoded; each with the example where it
// fired most on either side.

/** A side's latents, as core/diff/side.ts tallies them. */
export interface LatentTally {
  examples: number;
  /** Examples whose every latent was encoded: the unnamed latents' means are over these. */
  fullyEncoded: number;
  /** Mean by latent index: a named latent's over every scored example, an unnamed one's over those fully encoded. */
  means: Record<number, number>;
  /** The example where the latent fired most, with the start of its answer. */
  best: Record<number, LatentExample>;
  /** The pack's labels of the named latents that fired. */
  labels: Record<number, string>;
}

export interface LatentExample {
  line: number;
  activation: number;
  snippet: string;
}

export interface LatentMove {
  index: number;
  /** The pack's label; null for an unnamed latent. */
  label: string | null;
  meanA: number;
  meanB: number;
  /** meanB − meanA. */
  change: number;
  topA: LatentExample | null;
  topB: LatentExample | null;
}

export interface LatentMoves {
  named: LatentMove[];
  unnamed: LatentMove[];
  /** How many examples of each side the unnamed latents' means are over. */
  fullyEncoded: { a: number; b: number };
}

/** Latents listed of each kind. */
const LISTED = 10;

/** Null when a side was scanned without its latents. */
export function latentMoves(a: LatentTally | null, b: LatentTally | null): LatentMoves | null {
  if (!a || !b) return null;
  const labels = { ...a.labels, ...b.labels };
  const indices = new Set([...Object.keys(a.means), ...Object.keys(b.means)].map(Number));
  const moves = [...indices].map((index): LatentMove => {
    const meanA = a.means[index] ?? 0;
    const meanB = b.means[index] ?? 0;
    return { index, label: labels[index] ?? null, meanA, meanB, change: meanB - meanA, topA: a.best[index] ?? null, topB: b.best[index] ?? null };
  });
  moves.sort((p, q) => Math.abs(q.change) - Math.abs(p.change) || p.index - q.index);
  return {
    named: moves.filter((m) => m.label !== null).slice(0, LISTED),
    unnamed: moves.filter((m) => m.label === null).slice(0, LISTED),
    fullyEncoded: { a: a.fullyEncoded, b: b.fullyEncoded },
  };
}
