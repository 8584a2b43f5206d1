// A tiny, deterministic byte-level BPE trainer (GPT-2 style) and the Hugging
// Face tokenizer.json it produces: 256 byte symbols, learned merges, then the
// chat special tokens.

export const SPECIAL_TOKENS = ['<|system|>', '<|user|>', '<|assistant|>', '<|tool|>', '<|end|>', '<|pad|>'] as const;

/** GPT-2's pre-tokenisation pattern (what ByteLevel with use_regex applies). */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's byte -> printable character table (index = byte). */
export function byteSymbols(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(printable(b) ? b : 256 + extra++));
}

export interface Bpe {
  /** Token strings by id (bytes first, then merge results). */
  vocab: string[];
  /** Merges in rank order, each a pair of symbols. */
  merges: Array<[string, string]>;
}

/** Learns merges until the vocabulary has `size` symbols; ties go to the smaller pair, so runs are reproducible. */
export function trainBpe(text: string, size: number): Bpe {
  const symbols = byteSymbols();
  const wordCounts = new Map<string, number>();
  for (const [piece] of text.matchAll(GPT2_SPLIT)) {
    const word = Array.from(Buffer.from(piece, 'utf8'), (b) => symbols[b]).join('\u0000');
    wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
  }
  const words = [...wordCounts].map(([w, count]) => ({ parts: w.split('\u0000'), count }));

  const vocab = symbols.slice();
  const known = new Set(vocab);
  const merges: Array<[string, string]> = [];
  while (vocab.length < size) {
    const pairs = new Map<string, number>();
    for (const { parts, count } of words) {
      for (let i = 0; i + 1 < parts.length; i++) {
        const key = `${parts[i]}\u0000${parts[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    let best: string | null = null;
    let bestN = 0;
    for (const [key, n] of pairs) {
      if (n > bestN || (n === bestN && key < best!)) [best, bestN] = [key, n];
    }
    if (best === null) break; // every word is a single symbol
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    if (!known.has(a + b)) {
      known.add(a + b);
      vocab.push(a + b);
    }
    for (const w of words) w.parts = mergePair(w.parts, a, b);
  }
  return { vocab, merges };
}

function mergePair(parts: string[], a: string, b: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === a && parts[i + 1] === b) {
      out.push(a + b);
      i++;
    } else out.push(parts[i]);
  }
  return out;
}

/** tokenizer.json for the trained BPE; the special tokens take the ids after the BPE vocabulary. */
export function tokenizerJson(bpe: Bpe): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  bpe.vocab.forEach((t, id) => (vocab[t] = id));
  const added = SPECIAL_TOKENS.map((content, i) => {
    vocab[content] = bpe.vocab.length + i;
    return { id: bpe.vocab.length + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: bpe.merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}
