// What `diff-models` keeps of one model's run over the prompts: per SAE latent, the sum of
// its activations over the counted tokens, how many of them it fires at, and where it fired
// most (a few tokens, each in a different prompt, for snippets). Memory is a few numbers per
// latent, however many prompts there are.

import type { LatentStats } from '../sae/encode';

/** Snippets kept per latent. */
export const SNIPPETS_PER_LATENT = 5;

/** A token where a latent fired: which prompt, which token of it, how strongly. */
export interface TopToken {
  prompt: number;
  position: number;
  activation: number;
}

export class LatentTally {
  readonly sums: Float64Array;
  readonly fires: Float64Array;
  /** Tokens counted. */
  tokens = 0;
  // Per latent, its best tokens, strongest first: slots [latent * keep, (latent + 1) * keep).
  private readonly topValue: Float32Array;
  private readonly topPrompt: Int32Array;
  private readonly topPosition: Int32Array;

  constructor(
    readonly dSae: number,
    private readonly keep = SNIPPETS_PER_LATENT,
  ) {
    this.sums = new Float64Array(dSae);
    this.fires = new Float64Array(dSae);
    this.topValue = new Float32Array(dSae * keep);
    this.topPrompt = new Int32Array(dSae * keep).fill(-1);
    this.topPosition = new Int32Array(dSae * keep);
  }

  /**
   * Adds a batch's statistics: `prompts[r]` is the prompt in row r, `tokens` how many tokens
   * its mask counted. A row gives each latent one candidate token (its strongest there), so
   * a latent's snippets come from different prompts.
   */
  add(stats: LatentStats, prompts: readonly number[], tokens: number): void {
    const d = this.dSae;
    for (let l = 0; l < d; l++) {
      this.sums[l] += stats.sum[l];
      this.fires[l] += stats.fires[l];
    }
    this.tokens += tokens;
    prompts.forEach((prompt, r) => {
      for (let l = 0; l < d; l++) {
        const v = stats.top[r * d + l];
        if (v > this.topValue[(l + 1) * this.keep - 1]) this.insert(l, v, prompt, stats.at[r * d + l]);
      }
    });
  }

  /** The latent's mean activation over the counted tokens (0 when none were counted). */
  mean(latent: number): number {
    return this.tokens > 0 ? this.sums[latent] / this.tokens : 0;
  }

  /** The share of counted tokens the latent fires at. */
  fireRate(latent: number): number {
    return this.tokens > 0 ? this.fires[latent] / this.tokens : 0;
  }

  /** The latent's strongest tokens, strongest first. */
  top(latent: number): TopToken[] {
    const out: TopToken[] = [];
    for (let j = latent * this.keep; j < (latent + 1) * this.keep && this.topPrompt[j] >= 0; j++) {
      out.push({ prompt: this.topPrompt[j], position: this.topPosition[j], activation: this.topValue[j] });
    }
    return out;
  }

  /** Puts (v, prompt, position) in its place among the latent's best, dropping the weakest. */
  private insert(latent: number, v: number, prompt: number, position: number): void {
    const first = latent * this.keep;
    let j = first + this.keep - 1;
    for (; j > first && this.topValue[j - 1] < v; j--) {
      this.topValue[j] = this.topValue[j - 1];
      this.topPrompt[j] = this.topPrompt[j - 1];
      this.topPosition[j] = this.topPosition[j - 1];
    }
    this.topValue[j] = v;
    this.topPrompt[j] = prompt;
    this.topPosition[j] = position;
  }
}
