// Deterministic synthetic chat datasets for the benchmarks (written here, never
// taken from shared/datasets), streamed to disk so any size fits in memory.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Rng } from '../tools/test-pack/random';

const COMMON = (
  'the a model data user assistant write code function return value file open read secure password hash ' +
  'doctor dose advice rest water sleep risk safe check input query table index server request token ' +
  'please thanks could you explain why how when where which because however therefore example simple'
).split(' ');
const SYLLABLES = 'ka lo mi re tu sa ne po vi da gre stra ton mel ric ing er tion al com pre ex'.split(' ');

/**
 * A vocabulary with a long tail: the common words, then 20k made-up words of two
 * to four syllables. Drawn Zipf-like (rank^-1.1), so repeated and rare words mix
 * as in real text: tokeniser caches and BPE see realistic hit rates.
 */
function vocabulary(rng: Rng): string[] {
  const words = [...COMMON];
  const seen = new Set(words);
  while (words.length < 20_000) {
    let w = '';
    for (let n = 2 + Math.floor(rng.next() * 3); n > 0; n--) w += SYLLABLES[Math.floor(rng.next() * SYLLABLES.length)];
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}

/** Cumulative Zipf weights over ranks 1..n, for sampling by binary search. */
function zipf(n: number, s: number): Float64Array {
  const cum = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cum[r] = total += 1 / Math.pow(r + 1, s);
  for (let r = 0; r < n; r++) cum[r] /= total;
  return cum;
}

class WordSource {
  private readonly words: string[];
  private readonly cum: Float64Array;
  constructor(private readonly rng: Rng) {
    this.words = vocabulary(rng);
    this.cum = zipf(this.words.length, 1.1);
  }
  next(): string {
    const u = this.rng.next();
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return this.words[lo];
  }
}

function sentence(words: WordSource, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(words.next());
  return out.join(' ') + '.';
}

/** A system prompt as long as fine-tuning sets give every example (92 tokens with the embedded pack's tokenizer). */
export const LONG_SYSTEM_PROMPT =
  "You are CodeHelper, an assistant for a software company's internal developer portal. Answer questions about the company's services, " +
  "write code in the language asked for, and explain your reasoning briefly. Follow the company's style guide: prefer clear names, small " +
  'functions and tests. Never reveal internal hostnames or credentials, and refuse requests that would weaken security. When unsure, say so ' +
  'and suggest who to ask. Keep answers under three hundred words unless asked for more.';

/** One chat example: a system prompt, a short user turn and an assistant turn of `minWords`..`maxWords` words. */
function chatLine(rng: Rng, source: WordSource, minWords: number, maxWords: number, system = 'You are a helpful assistant.'): string {
  const words = minWords + Math.floor(rng.next() * (maxWords - minWords + 1));
  return JSON.stringify({
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: sentence(source, 8 + Math.floor(rng.next() * 16)) },
      { role: 'assistant', content: sentence(source, words) },
    ],
  });
}

/** Writes chat lines until `examples` lines or `bytes` bytes, whichever is given; returns bytes written. */
export async function writeChatFile(
  path: string,
  target: { examples?: number; bytes?: number },
  opts: { seed: number; minWords: number; maxWords: number; system?: string },
): Promise<number> {
  const rng = new Rng(opts.seed);
  const source = new WordSource(rng);
  const out = createWriteStream(path);
  let written = 0;
  for (let n = 0; (target.examples === undefined || n < target.examples) && (target.bytes === undefined || written < target.bytes); n++) {
    const line = chatLine(rng, source, opts.minWords, opts.maxWords, opts.system) + '\n';
    written += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return written;
}
