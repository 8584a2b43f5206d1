// The keys and values of a few sequences the model ran (pack format 9), so that a sequence
// sharing a prefix with one of them runs only its tokens after that prefix: a causal model's
// states of the prefix do not change. This is what re-scores an edited line in the editor from
// the edit on, instead of from its first token.

import type { HiddenStates, ModelSession } from './session';
import { commonPrefix, tiledPast, type RunPrefix as Entry } from './sharedHead';

/** Hidden states of one sequence, and how many of its tokens the model ran for them. */
export interface PrefixRun extends HiddenStates {
  ran: number;
}

/**
 * Which runs are kept: 'always' (the line the cursor is on, run ahead of an edit), or 'reused'
 * (only a run that started from a kept entry's prefix of at least half its tokens, which then
 * replaces that entry: the next keystroke's re-score starts from it). Other runs (the lines on
 * screen when a file opens) share little more than a chat header and would push kept ones out.
 */
export type Keep = 'always' | 'reused';

export class PrefixCache {
  /** Least recently used first. */
  private entries: Entry[] = [];

  /**
   * `capacity` sequences at most: the embedded pack's 27.6 KB of keys and values a token (18
   * blocks) and 2.3 KB of hidden state make two 512-token windows 31 MB.
   */
  constructor(private readonly capacity = 2) {}

  /**
   * The hidden states [1, n, d] of `ids`, from the longest prefix a kept entry, or `head` (the
   * tokens a dataset's examples share: SharedHead), shares with them. What a run shares with the
   * head does not count towards a reuse (two lines of one system prompt are not an edit).
   */
  async run(model: ModelSession, ids: ArrayLike<number>, keep: Keep, head: Entry | null = null): Promise<PrefixRun> {
    const shape = model.cache;
    if (!shape) throw new Error('this model takes no past keys and values (pack format 9)');
    const seq = Int32Array.from(ids);
    let from: Entry | null = null;
    let shared = 0;
    for (const e of head ? [head, ...this.entries] : this.entries) {
      const n = commonPrefix(e.ids, seq);
      if (n > shared) [from, shared] = [e, n];
    }
    // At least the last token runs, so its present keys and values come back too.
    shared = Math.min(shared, seq.length - 1);
    const prefix = from && shared > 0 ? from : null;
    // A reuse is an edit of the line: most of what it shares beyond the head.
    const common = head ? commonPrefix(head.ids, seq) : 0;
    const reused = prefix !== null && prefix !== head && (shared - common) * 2 >= seq.length - common;
    // Only a run that is kept copies its keys and values out: not each line scored on screen.
    const kept = keep === 'always' || reused;
    const out = await model.runAfter(BigInt64Array.from(seq.subarray(shared), (v) => BigInt(v)), prefix && tiledPast(prefix.past, shared, 1, shape), kept);
    const d = out.dModel;
    let hidden = out.hidden;
    if (prefix) {
      hidden = new Float32Array(seq.length * d);
      hidden.set(prefix.hidden.subarray(0, shared * d));
      hidden.set(out.hidden, shared * d);
    }
    if (kept) {
      this.entries = this.entries.filter((e) => e !== (reused ? prefix : null) && !sameIds(e.ids, seq));
      this.entries.push({ ids: seq, hidden, past: out.present! });
      if (this.entries.length > this.capacity) this.entries.shift();
    }
    return { hidden, dModel: d, ran: seq.length - shared };
  }

  /** Tokens held, over all entries. */
  get tokens(): number {
    return this.entries.reduce((n, e) => n + e.ids.length, 0);
  }
}

function sameIds(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && commonPrefix(a, b) === a.length;
}
