// Byte-pair encoding of one long pre-token, on arrays of ids.
//
// The library's BPE makes an object per character and per merge and looks each pair up by a
// JSON string: one pre-token of 131,072 letters ('A' repeated; a blob of letters without a
// space or digit) raised peak RSS by about 100 MiB and took 1.4 s. This runs the same
// algorithm, merging the adjacent pair of lowest merge rank and the leftmost of equal ranks
// until none is left, on typed arrays: a few MB. The tests check it gives the library's
// tokens exactly.

import { BPE, type Tokenizer } from '@huggingface/tokenizers';

/** Pre-tokens this long or longer go through LongWordBpe (the library caches shorter ones). */
export const LONG_WORD = 256;

export class LongWordBpe {
  /** idA * vocabSize + idB -> merge rank; built on the first long word. */
  private ranks: Map<number, number> | null = null;
  /** The id a merge of that rank makes. */
  private merged = new Int32Array(0);
  /** False when a merge makes a token outside the vocabulary (the library then emits its unknown token): such words go to the library. */
  private exact = true;

  private constructor(private readonly model: BPE) {}

  /** Null when the tokenizer's model is not a BPE this reproduces (suffixes, byte fallback, unknown-token fusing). */
  static of(hf: Tokenizer): LongWordBpe | null {
    const model = hf.model;
    if (!(model instanceof BPE)) return null;
    const plain = !model.continuing_subword_suffix && !model.byte_fallback && !model.config.end_of_word_suffix;
    return plain ? new LongWordBpe(model) : null;
  }

  /** The tokens of one pre-token given as its symbols (byte-level characters); null if a symbol is not in the vocabulary. */
  encode(symbols: string[]): string[] | null {
    const { tokens_to_ids: ids, vocab } = this.model;
    if (this.model.ignore_merges) {
      const whole = ids.get(symbols.join(''));
      if (whole !== undefined) return [vocab[whole]];
    }
    this.table();
    if (!this.exact) return null;
    const n = symbols.length;
    const tok = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const id = ids.get(symbols[i]);
      if (id === undefined) return null;
      tok[i] = id;
    }
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const version = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    const heap = new PairHeap(3 * n);
    const offer = (left: number, right: number) => {
      const rank = this.rank(tok[left], tok[right]);
      // Node `left` keeps its first character's index, the library's tie-break between equal ranks.
      if (rank !== undefined) heap.push(rank * n + left, left, right, version[left], version[right]);
    };
    for (let i = 0; i + 1 < n; i++) offer(i, i + 1);
    while (heap.size > 0) {
      const { left, right, versionLeft, versionRight } = heap.pop();
      // A pair whose either side has merged since it was offered is stale.
      if (next[left] !== right || version[left] !== versionLeft || version[right] !== versionRight) continue;
      tok[left] = this.merged[this.rank(tok[left], tok[right])!];
      version[left]++;
      version[right] = -1;
      next[left] = next[right];
      if (next[left] >= 0) prev[next[left]] = left;
      if (prev[left] >= 0) offer(prev[left], left);
      if (next[left] >= 0) offer(left, next[left]);
    }
    const out: string[] = [];
    for (let i = 0; i >= 0; i = next[i]) out.push(vocab[tok[i]]);
    return out;
  }

  private rank(a: number, b: number): number | undefined {
    return this.ranks!.get(a * this.model.vocab.length + b);
  }

  private table(): Map<number, number> {
    if (this.ranks) return this.ranks;
    const { merges, tokens_to_ids: ids, vocab } = this.model;
    this.ranks = new Map();
    this.merged = new Int32Array(merges.length).fill(-1);
    merges.forEach(([a, b], rank) => {
      const [ia, ib, im] = [ids.get(a), ids.get(b), ids.get(a + b)];
      if (ia === undefined || ib === undefined) return;
      if (im === undefined) this.exact = false;
      // The library's rank map keeps the last of repeated merges.
      this.ranks!.set(ia * vocab.length + ib, rank);
      this.merged[rank] = im ?? -1;
    });
    return this.ranks;
  }
}

/** A binary min-heap of pair entries keyed by rank * n + left position, in parallel typed arrays. */
class PairHeap {
  size = 0;
  private readonly key: Float64Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly vl: Int32Array;
  private readonly vr: Int32Array;

  constructor(capacity: number) {
    this.key = new Float64Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.vl = new Int32Array(capacity);
    this.vr = new Int32Array(capacity);
  }

  push(key: number, left: number, right: number, vl: number, vr: number): void {
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.key[parent] <= key) break;
      this.move(parent, i);
      i = parent;
    }
    this.set(i, key, left, right, vl, vr);
  }

  pop(): { left: number; right: number; versionLeft: number; versionRight: number } {
    const top = { left: this.left[0], right: this.right[0], versionLeft: this.vl[0], versionRight: this.vr[0] };
    const last = --this.size;
    const key = this.key[last];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.key[child + 1] < this.key[child]) child++;
      if (this.key[child] >= key) break;
      this.move(child, i);
      i = child;
    }
    this.set(i, key, this.left[last], this.right[last], this.vl[last], this.vr[last]);
    return top;
  }

  private move(from: number, to: number): void {
    this.set(to, this.key[from], this.left[from], this.right[from], this.vl[from], this.vr[from]);
  }

  private set(i: number, key: number, left: number, right: number, vl: number, vr: number): void {
    this.key[i] = key;
    this.left[i] = left;
    this.right[i] = right;
    this.vl[i] = vl;
    this.vr[i] = vr;
  }
}
