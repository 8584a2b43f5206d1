// Pure planning of model runs: which token windows each example needs, and how
// sequences of similar length are grouped so little compute goes to padding.

export interface TokenWindow {
  start: number;
  end: number;
}

/**
 * Splits `n` tokens into windows of at most `max` tokens. With `window` overflow
 * they overlap by half, so every token past the first window still sees at least
 * max/2 tokens of left context; `truncate` keeps only the first window.
 */
export function planWindows(n: number, max: number, overflow: 'truncate' | 'window'): TokenWindow[] {
  if (n <= max || overflow === 'truncate') return [{ start: 0, end: Math.min(n, max) }];
  const stride = Math.max(1, Math.floor(max / 2));
  const windows: TokenWindow[] = [];
  for (let start = 0; ; start += stride) {
    const end = Math.min(n, start + max);
    windows.push({ start, end });
    if (end === n) break;
  }
  return windows;
}

/**
 * The window a token is read from: the earliest one holding it, where it has the
 * most left context. Valid for windows made by planWindows.
 */
export function windowOf(pos: number, windows: TokenWindow[]): number {
  if (windows.length === 1) return 0;
  const max = windows[0].end - windows[0].start;
  const stride = windows[1].start;
  const w = Math.max(0, Math.ceil((pos - max + 1) / stride));
  return Math.min(w, windows.length - 1);
}

export interface Batch {
  /** Indices into the sequence list, in the order they were placed. */
  items: number[];
  /** Padded length: the longest sequence in the batch. */
  seq: number;
}

/**
 * Groups sequences by length: sorted, then cut whenever the padded batch would
 * exceed `maxTokens` (batch * longest) or `maxBatch` rows.
 */
export function planBatches(lengths: ArrayLike<number>, maxTokens: number, maxBatch: number): Batch[] {
  const order = Array.from({ length: lengths.length }, (_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
  const batches: Batch[] = [];
  let current: Batch | null = null;
  for (const i of order) {
    const len = Math.max(1, lengths[i]);
    if (current && (current.items.length + 1 > maxBatch || (current.items.length + 1) * len > maxTokens)) {
      batches.push(current);
      current = null;
    }
    if (!current) current = { items: [], seq: 0 };
    current.items.push(i);
    current.seq = len; // sorted ascending, so the last is the longest
  }
  if (current) batches.push(current);
  return batches;
}

/**
 * Fills int64 input_ids / attention_mask for one batch, right-padded with `padId`. With `skip`,
 * each row's first `skip` tokens are a past the model already holds: ids [rows, seq - skip] are
 * the tokens after it, and the mask [rows, seq] covers past and ids.
 */
export function packBatch(
  seqs: ReadonlyArray<ArrayLike<number>>,
  batch: Batch,
  padId: number,
  skip = 0,
): { ids: BigInt64Array; mask: BigInt64Array } {
  const rows = batch.items.length;
  const rest = batch.seq - skip;
  const ids = new BigInt64Array(rows * rest).fill(BigInt(padId));
  const mask = new BigInt64Array(rows * batch.seq);
  batch.items.forEach((item, r) => {
    const s = seqs[item];
    mask.fill(1n, r * batch.seq, r * batch.seq + s.length);
    for (let t = skip; t < s.length; t++) ids[r * rest + t - skip] = BigInt(s[t]);
  });
  return { ids, mask };
}
