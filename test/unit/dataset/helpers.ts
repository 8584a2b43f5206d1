// Shared by the dataset tests: running bytes through the pipeline, building
// lines, and the one check every normalised example must pass.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { mapDecodedIndex } from '../../../src/core/dataset/jsonSpans';
import { parseFileBatches } from '../../../src/core/dataset/parseFile';
import { readLines, type ReadOptions } from '../../../src/core/dataset/reader';
import type { Example, ParsedLine, RawLine } from '../../../src/core/dataset/types';
import { seededRandom } from '../../../src/core/random';

/** Every ParsedLine of the input, through the batched pipeline the CLI uses. */
export async function parseAll(input: string | NodeJS.ReadableStream, opts?: ReadOptions): Promise<ParsedLine[]> {
  return (await collect(parseFileBatches(input, opts))).flat();
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A stream yielding `bytes` in chunks of the given sizes (cycled), to test chunk boundaries. */
export function streamOf(bytes: Buffer | string, chunkSizes: number[] = [bytes.length || 1]): Readable {
  const buf = Buffer.from(bytes);
  const chunks: Buffer[] = [];
  for (let pos = 0, k = 0; pos < buf.length; k++) {
    const size = Math.max(1, chunkSizes[k % chunkSizes.length]);
    chunks.push(buf.subarray(pos, pos + size));
    pos += size;
  }
  return Readable.from(chunks);
}

export function readText(bytes: Buffer | string, opts?: ReadOptions): Promise<RawLine[]> {
  return collect(readLines(streamOf(bytes), opts));
}

export function parseText(bytes: Buffer | string, opts?: ReadOptions): Promise<ParsedLine[]> {
  return parseAll(streamOf(bytes), opts);
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'persona-lens-dataset-'));
}

type Msg = Record<string, unknown>;

/** An OpenAI chat line. */
export function chat(...messages: Msg[]): string {
  return JSON.stringify({ messages });
}

export const user = (content: unknown, extra: Msg = {}): Msg => ({ role: 'user', content, ...extra });
export const assistant = (content: unknown, extra: Msg = {}): Msg => ({ role: 'assistant', content, ...extra });
export const system = (content: unknown): Msg => ({ role: 'system', content });

/** A valid two-turn chat line. */
export const GOOD_CHAT = chat(user('What is 2 + 2?'), assistant('4'));

/**
 * Every message with a source must point at exactly its content: the spanned
 * text decodes to the content, and each decoded character maps to the source
 * characters that spell it.
 */
export function assertSourcesExact(text: string, example: Example): void {
  for (const m of [...example.messages, ...(example.rejected ?? [])]) {
    if (!m.source) continue;
    const src = m.source;
    assert.equal(JSON.parse(`"${text.slice(src.start, src.end)}"`), m.content);
    assert.equal(mapDecodedIndex(src, 0), src.start);
    assert.equal(mapDecodedIndex(src, m.content.length), src.end);
    for (let i = 0; i < m.content.length; i++) {
      const piece = text.slice(mapDecodedIndex(src, i), mapDecodedIndex(src, i + 1));
      assert.equal(JSON.parse(`"${piece}"`), m.content[i], `decoded index ${i} of ${JSON.stringify(m.content)}`);
    }
  }
}

/** A seeded PRNG: fuzz runs are reproducible. Returns [0, 1). */
export const prng = seededRandom;

/** Characters that exercise decoding and escaping: ASCII, controls, quotes, accents, astral pairs. */
const ALPHABET = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\t', '\u0001', 'é', '€', '\u2028', '😀', '\uFEFF', '{', ']', ':', ','];

export function randomString(rand: () => number, maxLength = 12): string {
  let s = '';
  const n = Math.floor(rand() * maxLength);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

/** A random JSON value, nested up to `depth`. */
export function randomJson(rand: () => number, depth = 4): unknown {
  const r = rand();
  if (depth <= 0 || r < 0.3) {
    const k = Math.floor(rand() * 6);
    return [() => randomString(rand), () => Math.round((rand() - 0.5) * 1e6) / 100, () => true, () => false, () => null, () => -0.5e-7][k]();
  }
  const n = Math.floor(rand() * 4);
  if (r < 0.65) return Array.from({ length: n }, () => randomJson(rand, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[randomString(rand, 5)] = randomJson(rand, depth - 1);
  return o;
}
