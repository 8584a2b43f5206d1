// Lines over SHORTEN_FROM keep their strings' heads: what the parser, the checks and the
// scanner see must be what they would see in the whole line, columns and bytes included.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FileChecker } from '../../../src/core/dataset/fileChecker';
import { LineSplitter, SHORTEN_FROM } from '../../../src/core/dataset/lineSplitter';
import { KEEP_STRING_BYTES } from '../../../src/core/dataset/longStrings';
import { parseLine } from '../../../src/core/dataset/parseLine';
import type { Diagnostic, RawLine } from '../../../src/core/dataset/types';
import { assistant, chat, user } from './helpers';

const MIB = 2 ** 20;

/** The lines of `bytes` split by a LineSplitter fed `chunk` bytes at a time (shortening at `from`). */
function split(bytes: Buffer, chunk: number, from = SHORTEN_FROM): RawLine[] {
  const s = new LineSplitter(undefined, from);
  const out: RawLine[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...s.push(bytes.subarray(i, i + chunk)));
  return [...out, ...s.end()];
}

/** One line read shortened and whole (the limit out of reach): its parsed diagnostics both ways. */
function bothWays(line: Buffer): { short: RawLine; shortDiags: Diagnostic[]; wholeDiags: Diagnostic[]; whole: RawLine } {
  const [short] = split(line, 65_537);
  const [whole] = split(line, 65_537, Infinity);
  const drop = (ds: Diagnostic[]) => ds.filter((d) => d.code !== 'PL006');
  return { short, whole, shortDiags: drop(parseLine(short).diagnostics), wholeDiags: parseLine(whole).diagnostics };
}

const big = (content: string) => Buffer.from(chat(user(content), assistant('Sure.')) + '\n');

test('a 5 MiB string is kept to its first MiB; the rest of the line parses as it was', () => {
  const line = Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(5 * MIB) }, { role: 'assistant', content: 'Fine.' }], note: 'after' }) + '\n');
  const [raw] = split(line, 1 << 20);
  assert.ok(raw.text.length < KEEP_STRING_BYTES + 200, `text is ${raw.text.length} characters`);
  assert.equal(raw.byteEnd - raw.byteStart, line.length - 1, 'byteEnd counts every byte of the line');
  assert.deepEqual(raw.shortened?.cuts, [{ at: raw.text.indexOf('x') + KEEP_STRING_BYTES, units: 4 * MIB }]);
  assert.equal(raw.shortened?.bytes, 4 * MIB);
  const parsed = JSON.parse(raw.text);
  assert.equal(parsed.messages[0].content.length, KEEP_STRING_BYTES);
  assert.equal(parsed.messages[1].content, 'Fine.');
  assert.equal(parsed.note, 'after');
  const p = parseLine(raw);
  assert.deepEqual(p.diagnostics.map((d) => d.code), ['PL006']);
  assert.match(p.diagnostics[0].message, /the line is \d+ bytes: a string longer than 1048576 bytes was read to their first 1048576 bytes \(4194304 bytes checked, not kept\)/);
  assert.equal(p.example?.messages[1].content, 'Fine.');
});

test('a line under the threshold is never shortened', () => {
  const [raw] = split(big('y'.repeat(SHORTEN_FROM - 100)), 1 << 20);
  assert.equal(raw.shortened, undefined);
  assert.equal(JSON.parse(raw.text).messages[0].content.length, SHORTEN_FROM - 100);
});

test('cuts fall between characters: multi-byte UTF-8, escapes and surrogate pairs stay whole', () => {
  for (const unit of ['é', '€', '😀', '\\u00e9', '\\ud83d\\ude00', 'a\\n', '\\"']) {
    const json = `{"messages":[{"role":"user","content":"${unit.repeat(Math.ceil((5 * MIB) / Buffer.byteLength(unit)))}"},{"role":"assistant","content":"ok"}]}\n`;
    for (const chunk of [1 << 20, 65_537, 7_777]) {
      const [raw] = split(Buffer.from(json), chunk);
      assert.ok(raw.shortened, `${unit} shortened`);
      const content: string = JSON.parse(raw.text).messages[0].content;
      const whole: string = JSON.parse(json).messages[0].content;
      assert.ok(whole.startsWith(content), `${unit} (chunks of ${chunk}): the kept head is the string's start`);
      assert.ok(!raw.text.includes('\uFFFD'), `${unit}: no character split`);
      assert.equal(content.length + raw.shortened.cuts[0].units, whole.length, `${unit}: the cut counts the units it left out`);
    }
  }
});

test('a problem in the dropped part is reported as in the whole line, at the same column or byte', () => {
  const pad = 'x'.repeat(2 * MIB);
  const cases: Array<[string, Buffer]> = [
    ['a raw control character', Buffer.from(`{"messages":[{"role":"user","content":"${pad}\u0001${pad}"},{"role":"assistant","content":"ok"}]}\n`)],
    ['a bad escape', Buffer.from(`{"messages":[{"role":"user","content":"${pad}\\q${pad}"},{"role":"assistant","content":"ok"}]}\n`)],
    ['a bad \\u escape', Buffer.from(`{"messages":[{"role":"user","content":"${pad}\\u12G4${pad}"},{"role":"assistant","content":"ok"}]}\n`)],
    ['a stray continuation byte', Buffer.concat([Buffer.from(`{"messages":[{"role":"user","content":"${pad}`), Buffer.from([0x80]), Buffer.from(`${pad}"},{"role":"assistant","content":"ok"}]}\n`)])],
    ['a syntax error after two cut strings', Buffer.from(`{"a":"${pad}${pad}","b":"${pad}${pad}","c": nope}\n`)],
    ['an unterminated string', Buffer.from(`{"a":"${pad}${pad}\n`)],
  ];
  for (const [what, line] of cases) {
    const { short, shortDiags, wholeDiags, whole } = bothWays(line);
    assert.ok(short.shortened, `${what}: the line was cut before the problem`);
    assert.deepEqual(shortDiags, wholeDiags, what);
    assert.equal(short.byteEnd, whole.byteEnd, `${what}: byteEnd`);
    assert.ok(wholeDiags.some((d) => d.severity !== 'info'), `${what} is a problem`);
  }
});

test('lines that differ only in what was dropped are not duplicates; equal lines are', () => {
  const head = 'x'.repeat(3 * MIB);
  const a = big(head + 'a' + head);
  const b = big(head + 'b' + head);
  const checker = new FileChecker();
  const lines = split(Buffer.concat([a, b, a]), 1 << 20).map(parseLine);
  assert.deepEqual(
    lines.map((p) => checker.check(p).map((d) => d.code)),
    [[], [], ['PL061']],
  );
});
