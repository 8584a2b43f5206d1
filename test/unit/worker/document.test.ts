// The scan host's copy of a document follows the editor's edits: after any
// sequence of changes its lines, texts and byte offsets are what splitLines
// gives for the edited text.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { splitLines } from '../../../src/core/dataset';
import { FileDiffers, UnreadFile, WorkerDocument } from '../../../src/worker/document';
import { checkedLines } from '../../../src/worker/protocol';
import type { TextChange } from '../../../src/worker/protocol';

function lines(doc: WorkerDocument) {
  const snap = doc.snapshot();
  return snap.raws(0, snap.length);
}

/** Applies a change to plain text, as the editor does. */
function applyToText(text: string, eol: string, { start, end, text: inserted }: TextChange): string {
  const rows = text.split(eol);
  const offset = (p: { line: number; character: number }) => rows.slice(0, p.line).reduce((n, r) => n + r.length + eol.length, 0) + p.character;
  return text.slice(0, offset(start)) + inserted + text.slice(offset(end));
}

test('a document read whole is split as splitLines splits it (LF, CRLF, BOM, final line break or none)', () => {
  for (const text of ['{"a":1}\n{"b":"é"}\n', '{"a":1}\r\n\r\n{"b":"😀"}', '\uFEFF{"a":1}\n\uFEFF{"b":2}\n', '', '\n', 'x']) {
    assert.deepEqual(lines(WorkerDocument.fromText(text)), splitLines(text), JSON.stringify(text));
  }
});

/** A document of `text`: sent whole, or read from its saved file. */
function open(text: string, from: 'text' | 'file'): WorkerDocument {
  if (from === 'text') return WorkerDocument.fromText(text);
  const dir = mkdtempSync(join(tmpdir(), 'persona-lens-doc-'));
  try {
    const path = join(dir, 'data.jsonl');
    writeFileSync(path, text);
    const doc = WorkerDocument.fromFile({ path, lineCount: text.split(/\r?\n/).length, lines: [] });
    assert.ok(doc);
    return doc;
  } finally {
    rmSync(dir, { recursive: true });
  }
}

test('random edits keep the copy equal to the edited text (200 edits, LF and CRLF, sent whole or read from the file)', () => {
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const pieces = ['{"text": "a"}', 'é', '😀', '\n', 'xyz', '', '"', '\n{"b": 2}\n'];
  for (const from of ['text', 'file'] as const) {
    for (const eol of ['\n', '\r\n']) {
      let text = ['{"text": "one"}', '{"text": "twé"}', '{"text": "three 😀"}', ''].join(eol);
      const doc = open(text, from);
      assert.deepEqual(lines(doc), splitLines(text), `${from}, as opened`);
      for (let i = 0; i < 200; i++) {
        const rows = text.split(eol);
        const pos = () => {
          const line = rand(rows.length);
          return { line, character: rand(rows[line].length + 1) };
        };
        let [start, end] = [pos(), pos()];
        if (start.line > end.line || (start.line === end.line && start.character > end.character)) [start, end] = [end, start];
        // Edits break lines with the document's own line break, as VS Code's do.
        const change = { start, end, text: pieces[rand(pieces.length)].replace(/\n/g, eol) };
        text = applyToText(text, eol, change);
        doc.apply([change]);
        assert.deepEqual(lines(doc), splitLines(text), `${from}, edit ${i} (${JSON.stringify(change)})`);
      }
    }
  }
});

test('a paste of 200k lines over the whole document', () => {
  const doc = WorkerDocument.fromText('{"a":1}\n');
  const pasted = Array.from({ length: 200_000 }, (_, i) => `{"n":${i}}`).join('\n');
  doc.apply([{ start: { line: 0, character: 0 }, end: { line: 1, character: 0 }, text: pasted }]);
  assert.deepEqual(lines(doc), splitLines(pasted));
});

test('a snapshot keeps the text it was taken with', () => {
  const doc = WorkerDocument.fromText('{"a":1}\n{"b":2}\n');
  const before = doc.snapshot();
  doc.apply([{ start: { line: 0, character: 0 }, end: { line: 1, character: 0 }, text: '' }]);
  assert.deepEqual(before.raws(0, before.length).map((r) => r.text), ['{"a":1}', '{"b":2}']);
  assert.deepEqual(lines(doc).map((r) => r.text), ['{"b":2}']);
});

test('a saved file reads as the editor has it (byte-order mark dropped, CRLF and lone CR break lines), checked against its lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'persona-lens-doc-'));
  try {
    const path = join(dir, 'data.jsonl');
    writeFileSync(path, '\uFEFF{"a":1}\r\n{"b":"é"}\r{"c":3}\r\n');
    const editor = ['{"a":1}', '{"b":"é"}', '{"c":3}', ''];
    const file = { path, lineCount: editor.length, lines: checkedLines(editor.length).map((i): [number, string] => [i, editor[i]]) };
    const doc = WorkerDocument.fromFile(file);
    assert.ok(doc);
    assert.deepEqual(lines(doc).map((r) => r.text), editor.slice(0, 3));

    assert.equal(WorkerDocument.fromFile({ ...file, lineCount: 5 }), null, 'another line count');
    assert.equal(WorkerDocument.fromFile({ ...file, lines: [[1, '{"b":"e"}']] }), null, 'a line that differs');
    assert.equal(WorkerDocument.fromFile({ ...file, path: join(dir, 'gone.jsonl') }), null, 'no file');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("a saved file not read yet: the editor's lines in its first MiB are read from there, others from the whole file, as a whole read gives them", () => {
  const dir = mkdtempSync(join(tmpdir(), 'persona-lens-doc-'));
  try {
    const path = join(dir, 'data.jsonl');
    const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ text: `${i} ${'x'.repeat(400)} é` }));
    /** What a scan reads of the file on disk, given the editor's lines and those on screen. */
    const unread = (onDisk: string, editor: string[], onScreen: { first: number; last: number }) => {
      writeFileSync(path, onDisk);
      return new UnreadFile({ path, lineCount: editor.length, lines: checkedLines(editor.length, onScreen).map((i): [number, string] => [i, editor[i]]) }).snapshot();
    };
    for (const [eol, bom] of [['\n', ''], ['\r\n', '\uFEFF']]) {
      const text = bom + rows.join(eol) + eol;
      const expected = WorkerDocument.fromText(text.replace(/^\uFEFF/, '')).snapshot();
      const snapshot = unread(text, [...rows, ''], { first: 11, last: 40 });
      assert.equal(snapshot.length, 3000);
      assert.deepEqual(snapshot.raws(10, 40), expected.raws(10, 40), `${JSON.stringify(eol)}: line numbers, texts and offsets as read whole`);
      // Changed on disk since: the whole file, read only now, differs from the editor.
      writeFileSync(path, `${text}{}`);
      assert.throws(() => snapshot.raws(40, 41), FileDiffers, 'a line off screen was read from the whole file, after those on screen');
    }

    const whole = unread(rows.join('\n'), rows, { first: 2900, last: 2940 });
    assert.deepEqual(whole.raws(2899, 2940).map((r) => r.text), rows.slice(2899, 2940), 'lines on screen past the first MiB: from the whole file');

    const edited = rows.map((r, i) => (i === 20 ? JSON.stringify({ text: 'typed in the editor' }) : r));
    const differs = unread(rows.join('\n'), edited, { first: 11, last: 40 });
    assert.throws(() => differs.raws(10, 12), FileDiffers, 'a line on screen differs from the editor: nothing is read from the file');
    const elsewhere = unread(rows.join('\n'), rows.map((r, i) => (i === 2999 ? '{}' : r)), { first: 11, last: 40 });
    assert.equal(elsewhere.raws(10, 40).length, 30, 'a line off screen differs: the lines on screen still come');
    assert.throws(() => elsewhere.raws(40, 41), FileDiffers, 'but not the others');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the lines a saved file is checked by: the first, the last, those on screen, and 64 spread between', () => {
  assert.deepEqual(checkedLines(1), [0]);
  assert.deepEqual(checkedLines(3, { first: 2, last: 9 }), [0, 1, 2]);
  const lines = checkedLines(100_000, { first: 500, last: 540 });
  assert.ok(lines.includes(0) && lines.includes(99_999));
  for (let line = 500; line <= 540; line++) assert.ok(lines.includes(line - 1), `line ${line} on screen`);
  assert.equal(lines.length, 2 + 64 + 41);
  assert.ok(lines.every((l, i) => i === 0 || l > lines[i - 1]), 'sorted, once each');
});
