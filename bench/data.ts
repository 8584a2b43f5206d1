// Deterministic synthetic chat datasets for the benchmarks (written here, never
// taken from shared/datasets), streamed to disk so any size fits in memory.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Rng } from '../tools/test-pack/random';

const WORDS = (
  'the a model data user assistant write code function return value file open read secure password hash ' +
  'doctor dose advice rest water sleep risk safe check input query table index server request token ' +
  'please thanks could you explain why how when where which because however therefore example simple'
).split(' ');

function sentence(rng: Rng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rng.next() * WORDS.length)]);
  return out.join(' ') + '.';
}

/** One chat example: a short user turn and an assistant turn of `minWords`..`maxWords` words. */
export function chatLine(rng: Rng, minWords: number, maxWords: number): string {
  const words = minWords + Math.floor(rng.next() * (maxWords - minWords + 1));
  return JSON.stringify({
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: sentence(rng, 8 + Math.floor(rng.next() * 16)) },
      { role: 'assistant', content: sentence(rng, words) },
    ],
  });
}

/** Writes chat lines until `examples` lines or `bytes` bytes, whichever is given; returns bytes written. */
export async function writeChatFile(
  path: string,
  target: { examples?: number; bytes?: number },
  opts: { seed: number; minWords: number; maxWords: number },
): Promise<number> {
  const rng = new Rng(opts.seed);
  const out = createWriteStream(path);
  let written = 0;
  for (let n = 0; (target.examples === undefined || n < target.examples) && (target.bytes === undefined || written < target.bytes); n++) {
    const line = chatLine(rng, opts.minWords, opts.maxWords) + '\n';
    written += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return written;
}
