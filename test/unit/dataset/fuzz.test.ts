// Thousands of mutated lines through the whole pipeline, with a seeded PRNG:
// nothing throws, every line is accounted for exactly once, and what comes out
// keeps the layer's promises (offsets, diagnostics, sources).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CODES } from '../../../src/core/dataset/codes';
import { readLines } from '../../../src/core/dataset/reader';
import type { ParsedLine } from '../../../src/core/dataset/types';
import { assertSourcesExact, assistant, chat, collect, parseAll, prng, randomJson, streamOf, system, user } from './helpers';

const SEEDS = [
  chat(system('Be terse.'), user('Fix: `print("hi")\n`'), assistant('print(\'hi\') — café 😀')),
  chat(user('w?'), assistant(null, { tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{"c":"Oslo"}' } }] }), { role: 'tool', tool_call_id: 'c1', content: 'sun' }, assistant('Sun.', { weight: 1 })),
  chat(user([{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'u' } }]), assistant('ok')),
  JSON.stringify({ input: { messages: [user('q')] }, preferred_output: [assistant('kind')], non_preferred_output: [assistant('cruel')] }),
  JSON.stringify({ prompt: 'Q?', completion: ' A.' }),
  JSON.stringify({ prompt: [user('Q?')], completion: [assistant('A.')] }),
  JSON.stringify({ prompt: 'Q?', chosen: 'yes', rejected: 'no' }),
  JSON.stringify({ chosen: [user('Q?'), assistant('yes')], rejected: [user('Q?'), assistant('no')] }),
  JSON.stringify({ text: 'plain \\ text\twith "quotes"' }),
  JSON.stringify({ instruction: 'Do', input: 'it', output: 'done', history: [['a', 'b']] }),
  JSON.stringify({ system: 's', conversations: [{ from: 'human', value: 'hi' }, { from: 'gpt', value: 'yo' }] }),
];

const PIECES = ['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', '\r', '\n', 'null', '\uFEFF', '\\u', '\\ud83d'].map((s) => Buffer.from(s));
const BAD_UTF8 = [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0xc0, 0xaf]].map((b) => Buffer.from(b));

/** Sets a random place in a parsed seed to a random JSON value: valid JSON, odd shapes. */
function reshape(seed: string, rand: () => number): string {
  const root = JSON.parse(seed) as unknown;
  let node = root as Record<string, unknown>;
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[Math.floor(rand() * keys.length)];
    const child = node[key];
    if (rand() < 0.35 || child === null || typeof child !== 'object') {
      node[key] = rand() < 0.2 ? undefined : randomJson(rand, 2);
      break;
    }
    node = child as Record<string, unknown>;
  }
  return JSON.stringify(root);
}

function mutatedLine(rand: () => number): Buffer {
  const seed = SEEDS[Math.floor(rand() * SEEDS.length)];
  const bytes = Buffer.from(seed);
  const at = Math.floor(rand() * (bytes.length + 1));
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  switch (Math.floor(rand() * 9)) {
    case 0: return bytes; // unchanged (so duplicates and a stable format appear too)
    case 1: { const b = Buffer.from(bytes); if (b.length) b[Math.min(at, b.length - 1)] = Math.floor(rand() * 256); return b; }
    case 2: return bytes.subarray(0, at);
    case 3: return Buffer.concat([bytes.subarray(0, at), pick(PIECES), bytes.subarray(at)]);
    case 4: return Buffer.concat([bytes.subarray(0, at), pick(BAD_UTF8), bytes.subarray(at)]);
    case 5: return Buffer.from(JSON.stringify(randomJson(rand, 4)));
    case 6: { const d = 1 + Math.floor(rand() * 3000); return Buffer.from(`{"messages": ${'['.repeat(d)}${']'.repeat(rand() < 0.5 ? d : d - 1)}}`); }
    case 7: return Buffer.from(reshape(seed, rand));
    default: return Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + Math.floor(rand() * 5)))]);
  }
}

function mutatedFile(rand: () => number, lines: number): Buffer {
  const parts: Buffer[] = rand() < 0.5 ? [Buffer.from([0xef, 0xbb, 0xbf])] : [];
  for (let i = 0; i < lines; i++) {
    parts.push(rand() < 0.03 ? Buffer.alloc(0) : mutatedLine(rand));
    parts.push(Buffer.from(rand() < 0.2 ? '\r\n' : '\n'));
  }
  if (rand() < 0.5) parts.pop(); // no final newline
  return Buffer.concat(parts);
}

/** Lines as the reader defines them: ended by \n, plus a final unterminated one. */
function expectedLineCount(file: Buffer): number {
  let n = 0;
  for (let i = file.indexOf(0x0a); i !== -1; i = file.indexOf(0x0a, i + 1)) n++;
  return n + (file.length > 0 && file[file.length - 1] !== 0x0a ? 1 : 0);
}

const SEVERITY = new Map<string, string>(CODES.map((c) => [c.code, c.severity]));

function assertPromisesKept(file: Buffer, raws: Array<{ text: string; byteStart: number; byteEnd: number }>, parsed: ParsedLine[]): void {
  const n = expectedLineCount(file);
  assert.deepEqual(parsed.map((p) => p.line), Array.from({ length: n }, (_, i) => i + 1));
  parsed.forEach((p, i) => {
    const raw = raws[i];
    assert.deepEqual([p.byteStart, p.byteEnd], [raw.byteStart, raw.byteEnd]);
    const skipped = p.diagnostics.some((d) => d.code === 'PL003');
    if (!skipped) assert.equal(file.subarray(raw.byteStart, raw.byteEnd).toString('utf8'), raw.text, `line ${p.line}`);
    for (const d of p.diagnostics) {
      assert.equal(d.line, p.line);
      assert.equal(d.severity, SEVERITY.get(d.code), d.code);
      assert.ok(d.message.startsWith(`line ${p.line}: `), d.message);
      if (d.span) assert.ok(d.span.start >= 0 && d.span.start <= d.span.end && d.span.end <= raw.text.length, d.message);
    }
    const hasError = p.diagnostics.some((d) => d.severity === 'error');
    const blank = /^[ \t\r\n]*$/.test(raw.text);
    assert.equal(p.example !== null, !hasError && !blank, `line ${p.line}: ${raw.text.slice(0, 200)}`);
    if (p.example) {
      assert.equal(p.example.line, p.line);
      assert.equal(p.example.format, p.format);
      assertSourcesExact(raw.text, p.example);
    }
  });
}

test('fuzz: mutated files never throw, and every line comes out once with promises kept', async () => {
  const rand = prng(20250601);
  let lines = 0;
  for (let round = 0; round < 6; round++) {
    const file = mutatedFile(rand, 700);
    const sizes = [1 + Math.floor(rand() * 5000), 1 + Math.floor(rand() * 64)];
    const raws = await collect(readLines(streamOf(file, sizes)));
    const parsed = await parseAll(streamOf(file, sizes));
    assertPromisesKept(file, raws, parsed);
    // The same bytes gzipped, in other chunks, give the same lines.
    assert.deepEqual(await parseAll(streamOf(gzipSync(file), [4096])), parsed);
    lines += parsed.length;
  }
  assert.ok(lines >= 4000);
});

test('fuzz: with a small line limit, long lines are skipped and numbering holds', async () => {
  const rand = prng(99);
  const file = mutatedFile(rand, 500);
  const opts = { maxLineBytes: 120 };
  const raws = await collect(readLines(streamOf(file, [333]), opts));
  const parsed = await parseAll(streamOf(file, [333]), opts);
  assertPromisesKept(file, raws, parsed);
  assert.ok(parsed.some((p) => p.diagnostics.some((d) => d.code === 'PL003')));
});

test('fuzz: gzip damage of every kind never throws, keeps numbering, and loses no line before the damage', async () => {
  const rand = prng(4242);
  const damages: Record<string, (gz: Buffer) => Buffer> = {
    'cut anywhere': (gz) => gz.subarray(0, Math.floor(rand() * gz.length)),
    'cut in the header': (gz) => gz.subarray(0, 2 + Math.floor(rand() * 8)), // two bytes make it gzip
    'a byte of the body changed': (gz) => {
      const b = Buffer.from(gz);
      const at = 10 + Math.floor(rand() * (b.length - 18));
      b[at] ^= 1 + Math.floor(rand() * 255);
      return b;
    },
    'a CRC byte changed': (gz) => {
      const b = Buffer.from(gz);
      b[b.length - 8 + Math.floor(rand() * 4)] ^= 0x40;
      return b;
    },
    'a length byte changed': (gz) => {
      const b = Buffer.from(gz);
      b[b.length - 4 + Math.floor(rand() * 4)] ^= 0x40;
      return b;
    },
    'garbage appended': (gz) => Buffer.concat([gz, Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256)))]),
    'a second member cut short': (gz) => Buffer.concat([gz, gz.subarray(0, Math.floor(gz.length / 2))]),
  };
  // Damage after the deflate data: every line of the file is read.
  const afterData = new Set(['a CRC byte changed', 'a length byte changed', 'garbage appended']);
  for (const [kind, damage] of Object.entries(damages)) {
    for (let round = 0; round < 4; round++) {
      const file = mutatedFile(rand, 300);
      const intact = await collect(readLines(streamOf(file, [4096])));
      const damaged = damage(gzipSync(file));
      const sizes = [1 + Math.floor(rand() * 5000)];
      const lines = await collect(readLines(streamOf(damaged, sizes)));
      const what = `${kind}, round ${round}`;
      assert.deepEqual(lines.map((l) => l.line), lines.map((_, i) => i + 1), what);
      const hurt = lines.filter((l) => l.issues.some((i) => i.code === 'PL004'));
      const last = lines[lines.length - 1];
      if (hurt.length === 0) {
        // A change that left the data as it was (rare) reads as the file.
        assert.deepEqual(lines.map((l) => l.text), intact.map((l) => l.text), what);
        continue;
      }
      assert.deepEqual(hurt, [last], `${what}: the damage is said once, on the last entry`);
      // Every line before the damage is the file's own (a changed body byte may alter what it decodes to before the CRC catches it).
      if (kind !== 'a byte of the body changed') {
        // (The file's last line may run on into a second member's first, as with zcat.)
        lines.slice(0, Math.min(lines.length - 1, intact.length - 1)).forEach((l, i) => assert.equal(l.text, intact[i].text, `${what}: line ${l.line}`));
      }
      if (afterData.has(kind)) assert.deepEqual(lines.slice(0, intact.length).map((l) => l.text), intact.map((l) => l.text), `${what}: every line read`);
      if (kind === 'a second member cut short') assert.ok(lines.length > intact.length, `${what}: the second member's intact lines come too`);
    }
  }
});

test('fuzz: lines a byte either side of the limit, LF or CRLF, in any chunking: only those over it are skipped', async () => {
  const rand = prng(777);
  const limit = 64;
  const lengths = Array.from({ length: 400 }, () => limit - 2 + Math.floor(rand() * 5));
  const ends = lengths.map(() => (rand() < 0.5 ? '\r\n' : '\n'));
  const file = Buffer.from(lengths.map((n, i) => `"${'x'.repeat(n - 2)}"${ends[i]}`).join(''));
  for (const sizes of [[1], [limit - 1], [limit + 1], [1 + Math.floor(rand() * 300)]]) {
    const lines = await collect(readLines(streamOf(file, sizes), { maxLineBytes: limit }));
    assert.equal(lines.length, lengths.length);
    lines.forEach((l, i) => {
      const skipped = l.issues.some((d) => d.code === 'PL003');
      assert.equal(skipped, lengths[i] > limit, `line ${i + 1}: ${lengths[i]} bytes, chunks ${sizes}`);
      if (!skipped) assert.equal(l.text.length, lengths[i]);
    });
  }
});
