import assert from 'node:assert/strict';
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { splitLines } from '../../../src/core/dataset/lineSplitter';
import { gunzipBytes } from '../../../src/core/dataset/gunzip';
import { KEEP_STRING_BYTES } from '../../../src/core/dataset/longStrings';
import { readLines } from '../../../src/core/dataset/reader';
import type { RawLine } from '../../../src/core/dataset/types';
import { GOOD_CHAT, assertSourcesExact, assistant, chat, collect, parseAll, readText, streamOf, tempDir, user } from './helpers';

/** Every line's byteStart..byteEnd slice of the file decodes to its text. */
function assertOffsetsExact(file: Buffer, lines: RawLine[]): void {
  for (const l of lines) assert.equal(file.subarray(l.byteStart, l.byteEnd).toString('utf8'), l.text, `line ${l.line}`);
}

const texts = (lines: RawLine[]) => lines.map((l) => l.text);

test('LF and CRLF lines, mixed: \\r before \\n is dropped and not counted in byteEnd', async () => {
  const file = Buffer.from('{"a":1}\r\n{"b":2}\n{"c":3}\r\n');
  const lines = await readText(file);
  assert.deepEqual(texts(lines), ['{"a":1}', '{"b":2}', '{"c":3}']);
  assert.deepEqual(lines.map((l) => [l.line, l.byteStart, l.byteEnd]), [[1, 0, 7], [2, 9, 16], [3, 17, 24]]);
  assert.ok(lines.every((l) => l.issues.length === 0));
});

test('a lone \\r inside a line stays (JSON reads it as whitespace)', async () => {
  const lines = await readText('{"a":\r1}\n');
  assert.deepEqual(texts(lines), ['{"a":\r1}']);
});

test('a BOM at the start of the file is stripped silently; offsets point past it', async () => {
  const file = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"b":2}')]);
  const lines = await readText(file);
  assert.deepEqual(texts(lines), ['{"a":1}', '{"b":2}']);
  assert.equal(lines[0].byteStart, 3);
  assert.deepEqual(lines[0].issues, []);
  assertOffsetsExact(file, lines);
});

test('blank lines are yielded with their numbers; the last line may lack a newline', async () => {
  const lines = await readText('{"a":1}\n\n   \n{"b":2}');
  assert.deepEqual(texts(lines), ['{"a":1}', '', '   ', '{"b":2}']);
  assert.deepEqual(lines.map((l) => l.line), [1, 2, 3, 4]);
});

test('a final newline ends the last line without adding an empty one; an empty input has no lines', async () => {
  assert.deepEqual(texts(await readText('a\nb\n')), ['a', 'b']);
  assert.deepEqual(texts(await readText('a\nb\n\n')), ['a', 'b', '']);
  assert.deepEqual(await readText(''), []);
});

test('invalid UTF-8 is decoded as U+FFFD and named by line and byte offset', async () => {
  // A genuine U+FFFD (EF BF BD) comes first: the offset must still point at the bad byte.
  const file = Buffer.concat([Buffer.from('{"a":1}\n{"t":"\uFFFDé'), Buffer.from([0xff]), Buffer.from('x"}\n')]);
  const lines = await readText(file);
  assert.equal(lines[1].text, '{"t":"\uFFFDé\uFFFDx"}');
  const [issue] = lines[1].issues;
  assert.equal(issue.code, 'PL001');
  assert.equal(issue.line, 2);
  const badByte = file.indexOf(0xff);
  assert.match(issue.message, new RegExp(`^line 2: invalid UTF-8 at byte ${badByte} of the file \\(byte ${badByte - 8} of the line\\)`));
  assert.deepEqual(issue.span, { start: 8, end: 9 });
  assert.deepEqual(lines[0].issues, []);
});

test('a multi-byte character split across chunks decodes whole', async () => {
  const file = Buffer.from('{"t":"é😀"}\n{"u":"ü"}\n');
  for (let size = 1; size <= 4; size++) {
    const lines = await collect(readLines(streamOf(file, [size])));
    assert.deepEqual(texts(lines), ['{"t":"é😀"}', '{"u":"ü"}']);
    assert.ok(lines.every((l) => l.issues.length === 0));
  }
});

test('lines are the same whatever the chunking, offsets exact (CRLF split across chunks too)', async () => {
  const file = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('{"a":"é"}\r\n\r\n{"b":"\\u00e9"}\n'),
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('{"c":3}\r\nlast'),
  ]);
  const whole = await readText(file);
  assertOffsetsExact(file, whole);
  assert.deepEqual(texts(whole), ['{"a":"é"}', '', '{"b":"\\u00e9"}', '{"c":3}', 'last']);
  for (const sizes of [[1], [2], [3, 1], [7, 5, 2]]) {
    assert.deepEqual(await collect(readLines(streamOf(file, sizes))), whole, `chunks ${sizes}`);
  }
  assert.deepEqual(splitLines(file.toString('utf8')), whole);
});

test('a single 10 MB line is read and parsed with its strings kept to their first MiB, and its content located', async () => {
  const content = 'x'.repeat(5_000_000) + '\n"\u00e9' + 'y'.repeat(5_000_000);
  const line = chat(user('big'), assistant(content));
  const dir = tempDir();
  const path = join(dir, 'big.jsonl');
  writeFileSync(path, `${GOOD_CHAT}\n${line}\n${GOOD_CHAT}`);
  const parsed = await parseAll(path);
  assert.deepEqual(parsed.map((p) => p.line), [1, 2, 3]);
  const big = parsed[1].example!;
  assert.equal(big.messages[1].content, content.slice(0, KEEP_STRING_BYTES));
  assert.deepEqual(parsed[1].diagnostics.map((d) => d.code), ['PL006']);
  assert.equal(parsed[1].byteEnd - parsed[1].byteStart, Buffer.byteLength(line));
  // The source is located in the text read: where the answer starts in the line.
  assert.equal(big.messages[1].source!.start, line.indexOf('xxx'));
});

test('a line over the limit is reported and skipped, not buffered; later lines keep their numbers', async () => {
  const long = `{"text":"${'z'.repeat(300)}"}`;
  const file = Buffer.from(`{"a":1}\n${long}\r\n{"b":2}\n${long}`);
  for (const sizes of [[file.length], [64], [1]]) {
    const lines = await collect(readLines(streamOf(file, sizes), { maxLineBytes: 100 }));
    assert.deepEqual(texts(lines), ['{"a":1}', '', '{"b":2}', '']);
    assert.deepEqual(lines.map((l) => l.issues.map((i) => i.code)), [[], ['PL003'], [], ['PL003']]);
    assert.equal(lines[1].byteStart, 8);
    assert.equal(lines[1].byteEnd, 8 + long.length); // before the \r\n
    assert.equal(lines[3].byteEnd, file.length);
    assert.match(lines[1].issues[0].message, /^line 2: the line is 311 bytes, over the reader's limit of 100/);
  }
});

test('a .jsonl.gz file reads like the plain file; gzip is found by magic bytes, not by name', async () => {
  const dir = tempDir();
  const body = Buffer.from(`${GOOD_CHAT}\n{"prompt":"p","completion":"é"}\r\n\n${GOOD_CHAT}`);
  const plain = join(dir, 'a.jsonl');
  const gz = join(dir, 'a.jsonl.gz');
  const mislabelledGz = join(dir, 'b.jsonl');
  const mislabelledPlain = join(dir, 'c.jsonl.gz');
  writeFileSync(plain, body);
  writeFileSync(gz, gzipSync(body));
  writeFileSync(mislabelledGz, gzipSync(body));
  writeFileSync(mislabelledPlain, body);
  const expected = await collect(readLines(plain));
  assert.equal(expected.length, 4);
  assertOffsetsExact(body, expected);
  for (const p of [gz, mislabelledGz, mislabelledPlain]) assert.deepEqual(await collect(readLines(p)), expected, p);
  // A stream works as well as a path, in tiny chunks too.
  assert.deepEqual(await collect(readLines(streamOf(gzipSync(body), [1]))), expected);
});

test('a truncated gzip stream yields every line before the cut, the cut line carries PL004', async () => {
  const body = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ text: `line ${i} ${Math.sin(i)}` })).join('\n') + '\n';
  const gz = gzipSync(body);
  const lines = await readText(gz.subarray(0, gz.length >> 1));
  assert.ok(lines.length > 10 && lines.length < 3000);
  assert.deepEqual(lines.map((l) => l.line), lines.map((_, i) => i + 1));
  const last = lines[lines.length - 1];
  assert.deepEqual(last.issues.map((i) => i.code), ['PL004']);
  assert.match(last.issues[0].message, new RegExp(`^line ${last.line}: the gzip stream is truncated or corrupt`));
  assert.ok(lines.slice(0, -1).every((l) => l.issues.length === 0));
  assertOffsetsExact(Buffer.from(body), lines);
  // Cut between lines (only the trailer lost): an extra entry after the last line carries it.
  const tail = await readText(gz.subarray(0, gz.length - 4));
  assert.equal(tail.length, 3001);
  const extra = tail[3000];
  assert.deepEqual([extra.line, extra.text, extra.byteStart, extra.byteEnd], [3001, '', body.length, body.length]);
  assert.deepEqual(extra.issues.map((i) => i.code), ['PL004']);
});

test('gzip damage after the data loses no intact line: trailing garbage, a bad CRC or length, a cut trailer', async () => {
  const body = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ text: `line ${i} ${Math.cos(i)}` })).join('\n') + '\n';
  const gz = gzipSync(body);
  const withCrc = (crc: number, size = body.length) => {
    const copy = Buffer.from(gz);
    copy.writeUInt32LE(crc >>> 0, gz.length - 8);
    copy.writeUInt32LE(size, gz.length - 4);
    return copy;
  };
  const cases: Array<[string, Buffer, RegExp]> = [
    ['9 bytes of garbage', Buffer.concat([gz, Buffer.from('garbage!!')]), /9 bytes of trailing garbage after the gzip data/],
    ['a bad CRC', withCrc(gz.readUInt32LE(gz.length - 8) ^ 1), /incorrect data check/],
    ['a bad length', withCrc(gz.readUInt32LE(gz.length - 8), body.length + 1), /incorrect length check/],
    ['a trailer cut short', gz.subarray(0, gz.length - 3), /unexpected end of file before the gzip trailer/],
  ];
  for (const [name, bytes, reason] of cases) {
    for (const chunks of [[bytes.length], [1000], [7]]) {
      const lines = await collect(readLines(streamOf(bytes, chunks)));
      assert.equal(lines.length, 5001, `${name}, chunks ${chunks}`);
      assert.deepEqual(texts(lines.slice(0, 5000)), body.trimEnd().split('\n'), name);
      assert.ok(lines.slice(0, 5000).every((l) => l.issues.length === 0), name);
      assert.deepEqual(lines[5000].issues.map((i) => i.code), ['PL004'], name);
      assert.match(lines[5000].issues[0].message, reason, name);
    }
    // The editor's workspace scan reads a whole file the same way.
    const whole = await gunzipBytes(bytes);
    assert.equal(whole.data.toString(), body, name);
    assert.match(whole.damage ?? '', reason, name);
  }
  assert.deepEqual(await gunzipBytes(gz), { data: Buffer.from(body), damage: null });
});

test('gzip members back to back read as one file, and optional header fields are skipped', async () => {
  const a = '{"a":1}\n{"b":2}\n';
  const b = '{"c":3}\n';
  // FEXTRA, FNAME, FCOMMENT and FHCRC set on the second member, as other gzip writers may.
  const plain = gzipSync(b);
  const extra = Buffer.from([4, 0, 1, 2, 3, 4]);
  const second = Buffer.concat([plain.subarray(0, 3), Buffer.from([4 | 8 | 16 | 2]), plain.subarray(4, 10), extra, Buffer.from('b.jsonl\0note\0'), Buffer.from([0, 0]), plain.subarray(10)]);
  const lines = await collect(readLines(streamOf(Buffer.concat([gzipSync(a), second]), [5])));
  assert.deepEqual(texts(lines), ['{"a":1}', '{"b":2}', '{"c":3}']);
  assert.ok(lines.every((l) => l.issues.length === 0));
});

test('read errors never throw: a missing file, and a stream failing midway', async () => {
  const missing = await collect(readLines('/nonexistent/dir/x.jsonl'));
  assert.equal(missing.length, 1);
  assert.equal(missing[0].issues[0].code, 'PL005');
  assert.match(missing[0].issues[0].message, /^line 1: reading failed after 0 bytes \(ENOENT/);

  const failing = new Readable({ read() {} });
  failing.push(Buffer.from('{"a":1}\n{"b":'));
  setImmediate(() => failing.destroy(new Error('disk on fire')));
  const lines = await collect(readLines(failing));
  assert.deepEqual(texts(lines), ['{"a":1}', '{"b":']);
  assert.deepEqual(lines[1].issues.map((i) => i.code), ['PL005']);
  assert.match(lines[1].issues[0].message, /disk on fire/);
});

test('leaving early closes the input, plain or gzipped', async () => {
  const dir = tempDir();
  const body = `${GOOD_CHAT}\n`.repeat(10);
  const plain = join(dir, 'a.jsonl');
  const gz = join(dir, 'a.jsonl.gz');
  writeFileSync(plain, body);
  writeFileSync(gz, gzipSync(body));
  for (const path of [plain, gz]) {
    const stream = createReadStream(path);
    for await (const line of readLines(stream)) {
      assert.equal(line.line, 1);
      break;
    }
    assert.ok(stream.destroyed, path);
  }
});

test('splitLines numbers and measures an in-memory document like the reader', async () => {
  const text = '\uFEFF{"a":"é"}\r\n\n{"b":"😀"}';
  const lines = splitLines(text);
  assert.deepEqual(lines, await readText(Buffer.from(text)));
  for (const other of ['a\rb\r\n\uFEFF\r\n\uFEFFx\n', '{"lone":"\uD800"}\n\n\n', '\r\n', '', 'x', '\n\uFEFF']) {
    assert.deepEqual(splitLines(other), await readText(Buffer.from(other)), JSON.stringify(other));
  }
  assert.deepEqual(lines.map((l) => [l.line, l.text, l.byteStart, l.byteEnd]), [
    [1, '{"a":"é"}', 3, 13],
    [2, '', 15, 15],
    [3, '{"b":"😀"}', 16, 28],
  ]);
});

test('a code-carrying line (tabs, newlines, quotes, escapes) keeps exact sources', async () => {
  const line = chat(user('fix\tthis:\n```py\nprint("hi")\n```'), assistant('```py\nprint(\'\\u00e9\')\n```'));
  const [parsed] = await parseAll(streamOf(line));
  assertSourcesExact(line, parsed.example!);
});

test('the line limit counts the line, not its CR: exactly the limit is read, one more byte is skipped and named', async () => {
  const max = 32;
  const exact = '"' + 'x'.repeat(max - 2) + '"';
  const over = '"' + 'y'.repeat(max - 1) + '"';
  const file = `${exact}\r\n${over}\r\n${exact}\r\n`;
  // Chunks that end on the CR, so the LF arrives in the next one.
  for (const chunks of [[file.length], [max + 1, 1, max + 2, 1, 200]]) {
    const lines = await collect(readLines(streamOf(file, chunks), { maxLineBytes: max }));
    assert.deepEqual(texts(lines), [exact, '', exact], `chunks ${chunks}`);
    assert.deepEqual(lines[0].issues, []);
    assert.equal(lines[1].issues[0].code, 'PL003');
    assert.match(lines[1].issues[0].message, new RegExp(`the line is ${max + 1} bytes, over the reader's limit of ${max}`));
  }
});
