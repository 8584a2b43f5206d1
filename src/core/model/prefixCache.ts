// The keys and values of a few sequences the model ran (pack format 9), so that a sequence
// sharing a prefix with one of them runs only its tokens after that prefix: a causal model's
// states of the prefix do not change. This is what re-scores an edited line in the editor from
// the edit on, instead of from its first token: the line with the cursor, run ahead of an edit,
// and the lines on screen as they are scored.

import type { HiddenStates, ModelSession } from './session';
import { commonPrefix, tiledPast, type RunPrefix as Entry } from './sharedHead';

/** Hidden states of one sequence, and how many of its tokens the model ran for them. */
export interface PrefixRun extends HiddenStates {
  ran: number;
  /**
   * Each position's SAE read-out (NaN: not read), the prefix's where the run shares it: the same
   * hidden states read out the same. The scanner fills in what it reads; a kept run's entry
   * holds this array, so that the next edit has the SAE read only the tokens from the edit on.
   */
  saeReadouts: Float64Array;
}

/**
 * Which runs are kept: 'always' (the line the cursor is on, run ahead of an edit); 'reused'
 * (only a run that started from a kept entry's prefix of at least half its tokens, which then
 * replaces that entry: the next keystroke's re-score starts from it); or a line on screen, `near`
 * lines from the cursor, kept while the lines on screen nearer the cursor leave it room in
 * `screenTokens`, so that an edit of it re-scores from the edit on without a warm-up (one the
 * cursor's move did not announce in time, or a replace). A reuse stays in its entry's place.
 */
export type Keep = 'always' | 'reused' | { near: number };

/** A kept sequence: the cursor's (`near` null: the last `capacity` of them) or a line on screen's. */
interface Kept extends Entry {
  near: number | null;
  saeReadouts: Float64Array;
}

/**
 * Tokens of lines on screen kept: about twenty of the editor bench's lines, 61 MB with the
 * embedded pack's 27.6 KB of keys and values and 2.3 KB of hidden state a token.
 */
export const SCREEN_TOKENS = 2048;

/** One scanner's: the SAE read-outs it keeps are its own. */
export class PrefixCache {
  /** Least recently used first. */
  private entries: Kept[] = [];

  /**
   * `capacity` sequences at most for the cursor's lines: the embedded pack's two 512-token windows
   * are 31 MB; and lines on screen up to `screenTokens` tokens.
   */
  constructor(
    private readonly capacity = 2,
    private readonly screenTokens = SCREEN_TOKENS,
  ) {}

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
    const reused = prefix !== null && prefix !== head && (shared - common) * 2 >= seq.length - common ? (prefix as Kept) : null;
    const near = this.placeOf(keep, reused, seq);
    // Only a run that is kept copies its keys and values out.
    const kept = near !== undefined;
    const out = await model.runAfter(BigInt64Array.from(seq.subarray(shared), (v) => BigInt(v)), prefix && tiledPast(prefix.past, shared, 1, shape), kept);
    const d = out.dModel;
    let hidden = out.hidden;
    if (prefix) {
      hidden = new Float32Array(seq.length * d);
      hidden.set(prefix.hidden.subarray(0, shared * d));
      hidden.set(out.hidden, shared * d);
    }
    const saeReadouts = new Float64Array(seq.length).fill(NaN);
    if (prefix && prefix !== head) saeReadouts.set((prefix as Kept).saeReadouts.subarray(0, shared));
    if (kept) this.add({ ids: seq, hidden, past: out.present!, near, saeReadouts }, reused);
    return { hidden, dModel: d, ran: seq.length - shared, saeReadouts };
  }

  /** Lets every entry go (no document open needs them). */
  clear(): void {
    this.entries = [];
  }

  /** Tokens held, over all entries. */
  get tokens(): number {
    return this.entries.reduce((n, e) => n + e.ids.length, 0);
  }

  /** Where a run is kept: among the cursor's lines (null), among the lines on screen (its distance from the cursor), or not (undefined). */
  private placeOf(keep: Keep, reused: Kept | null, seq: Int32Array): number | null | undefined {
    if (keep === 'always') return null;
    const onScreen = typeof keep === 'object' ? keep.near : undefined;
    // A reuse takes its entry's place.
    if (reused) return reused.near === null ? null : (onScreen ?? reused.near);
    return onScreen !== undefined && this.fits(onScreen, seq) ? onScreen : undefined;
  }

  /** Whether a line on screen `near` lines from the cursor has room beside those nearer it. */
  private fits(near: number, seq: Int32Array): boolean {
    const nearer = this.entries.reduce((n, e) => n + (e.near !== null && e.near <= near && !sameIds(e.ids, seq) ? e.ids.length : 0), 0);
    return nearer + seq.length <= this.screenTokens;
  }

  private add(entry: Kept, replaces: Kept | null): void {
    this.entries = this.entries.filter((e) => e !== replaces && !sameIds(e.ids, entry.ids));
    this.entries.push(entry);
    const cursor = this.entries.filter((e) => e.near === null);
    if (cursor.length > this.capacity) this.entries.splice(this.entries.indexOf(cursor[0]), 1);
    // The farthest lines on screen from the cursor go first.
    for (;;) {
      const screen = this.entries.filter((e) => e.near !== null);
      if (screen.reduce((n, e) => n + e.ids.length, 0) <= this.screenTokens) break;
      const farthest = screen.reduce((a, b) => (b.near! > a.near! ? b : a));
      this.entries.splice(this.entries.indexOf(farthest), 1);
    }
  }
}

function sameIds(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && commonPrefix(a, b) === a.length;
}
