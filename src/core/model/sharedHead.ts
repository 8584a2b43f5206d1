// The keys and values of the tokens a dataset's examples begin with alike (the chat template's
// first header and a system prompt they share), run once (pack format 9): each example then
// runs only its own tokens after them. A causal model's states of those tokens do not depend on
// what follows, so a score is a full run's (to float rounding).

import { type Batch, packBatch } from '../score/batching';
import { noteOutput, type CacheShape, type HiddenStates, type ModelSession, type Past } from './session';

/** Fewer shared tokens than this are not worth a run with a past (a chat header alone is 3-5). */
export const MIN_HEAD = 8;
/** At most this many tokens are held (the embedded pack: 27.6 KB of keys and values a token, 7 MB). */
export const MAX_HEAD = 256;

/** Tokens the model ran, with their hidden states and keys and values: what a run may start from. */
export interface RunPrefix {
  ids: Int32Array;
  /** [length, dModel]. */
  hidden: Float32Array;
  past: Past;
}

/** An example's first sequence, and which example it is (its line). */
export interface Opening {
  ids: ArrayLike<number>;
  line: number;
}

export class SharedHead {
  private head: RunPrefix | null = null;
  /**
   * The head's first `length` tokens repeated for the most rows a batch had: a batch of fewer
   * rows feeds the front of it. Made once per head and length, not once per batch (a batch of
   * 8 rows after 100 tokens is 22 MB: garbage that piled up by 124 MB over 100 examples).
   */
  private tiled: { of: RunPrefix; rows: number; past: Past } | null = null;
  /** The first example of the last call: one example at a time (the editor's lines) finds its head against it. */
  private last: Opening | null = null;

  /**
   * Makes the head for `examples` when the one held does not start at least MIN_HEAD tokens of
   * any of them and two neighbours among the last call's first example and these share that
   * many: one run of those tokens, kept until a call's examples share another head. Two versions
   * of one line (the editor re-scoring an edit) share most of their tokens but make no head.
   * Returns the tokens it ran.
   */
  async prepare(model: ModelSession, examples: readonly Opening[]): Promise<number> {
    if (examples.length === 0) return 0;
    const pool = this.last ? [this.last, ...examples] : examples;
    this.last = examples[0];
    const head = this.head;
    if (head && examples.some((e) => commonPrefix(head.ids, e.ids) >= MIN_HEAD)) return 0;
    let [shared, from] = [0, pool[0].ids];
    for (let i = 1; i < pool.length && shared < MIN_HEAD; i++) {
      const [a, b] = [pool[i - 1].ids, pool[i].ids];
      from = b;
      // At least one token of each sequence runs after the head.
      shared = pool[i - 1].line === pool[i].line ? 0 : Math.min(commonPrefix(a, b), MAX_HEAD, a.length - 1, b.length - 1);
    }
    if (shared < MIN_HEAD) return 0;
    const ids = Int32Array.from({ length: shared }, (_, i) => from[i]);
    const out = await model.runAfter(BigInt64Array.from(ids, (v) => BigInt(v)), null, true);
    this.head = { ids, hidden: out.hidden, past: out.present! };
    return shared;
  }

  /**
   * The hidden states [rows, batch.seq, d] of a batch of `seqs`, from the head they all start
   * with, and how many tokens the model did not run for it; null when they do not share one
   * (the caller runs them in full).
   */
  async runBatch(model: ModelSession, seqs: ReadonlyArray<ArrayLike<number>>, batch: Batch, padId: number): Promise<(HiddenStates & { skipped: number }) | null> {
    const [shape, head] = [model.cache, this.head];
    if (!head || !shape) return null;
    const shared = Math.min(...batch.items.map((i) => usableLength(head, seqs[i])));
    if (shared === 0) return null;
    const rows = batch.items.length;
    const rest = batch.seq - shared;
    const { ids, mask } = packBatch(seqs, batch, padId, shared);
    const out = await model.run(ids, mask, rows, rest, this.tiledFor(head, shared, rows, shape));
    const d = out.dModel;
    const hidden = new Float32Array(rows * batch.seq * d);
    noteOutput(hidden.byteLength);
    for (let r = 0; r < rows; r++) {
      hidden.set(head.hidden.subarray(0, shared * d), r * batch.seq * d);
      hidden.set(out.hidden.subarray(r * rest * d, (r + 1) * rest * d), (r * batch.seq + shared) * d);
    }
    return { hidden, dModel: d, skipped: rows * shared };
  }

  /** The head's first `length` tokens for `rows` rows: views of the held tiling where it fits. */
  private tiledFor(head: RunPrefix, length: number, rows: number, shape: CacheShape): Past {
    const t = this.tiled;
    if (!t || t.of !== head || t.past.length !== length || t.rows < rows) this.tiled = { of: head, rows, past: tiledPast(head.past, length, rows, shape) };
    const size = rows * shape.heads * length * shape.headDim;
    return { length, tensors: this.tiled!.past.tensors.map((x) => x.subarray(0, size)) };
  }

  /** The head as a prefix a one-sequence run may start from (PrefixCache); null without one. */
  get entry(): RunPrefix | null {
    return this.head;
  }
}

/** How many of `seq`'s first tokens `head` holds, when that is worth using (else 0), one token of it left to run. */
function usableLength(head: RunPrefix, seq: ArrayLike<number>): number {
  const n = Math.min(commonPrefix(head.ids, seq), seq.length - 1);
  return n >= MIN_HEAD ? n : 0;
}

export function commonPrefix(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** The first `length` positions of each [1, heads, past.length, headDim] tensor, repeated for `rows` rows. */
export function tiledPast(past: Past, length: number, rows: number, shape: CacheShape): Past {
  if (rows === 1 && length === past.length) return past; // all of it once: the arrays as they are
  const { heads, headDim } = shape;
  const tensors = past.tensors.map((t) => {
    const out = new Float32Array(rows * heads * length * headDim);
    for (let h = 0; h < heads; h++) out.set(t.subarray(h * past.length * headDim, (h * past.length + length) * headDim), h * length * headDim);
    for (let r = 1; r < rows; r++) out.copyWithin(r * heads * length * headDim, 0, heads * length * headDim);
    return out;
  });
  return { length, tensors };
}
