// The scan host in its worker thread (the bundled dist/worker.js, as the
// extension starts it): streamed results agree with the core's, unchanged lines
// come from the line cache, cancellation stops a scan, a bad pack is refused.

import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseFileBatches, parseLine } from '../../../src/core/dataset';
import { diffReport } from '../../../src/core/diff/report';
import { finish, scanSide } from '../../../src/core/diff/side';
import { builtInPack } from '../../../src/core/pack/builtIn';
import { loadPack } from '../../../src/core/pack/load';
import { Scanner } from '../../../src/core/score/scanner';
import { scanLines } from '../../../src/core/score/scanLines';
import type { LineResult } from '../../../src/core/score/types';
import { ScanFocus, ScanHost } from '../../../src/worker/client';
import { checkedLines, type LineRange } from '../../../src/worker/protocol';

const ROOT = join(__dirname, '..', '..', '..');
const WORKER = join(ROOT, 'dist', 'worker.js');
const PACK = join(ROOT, 'test', 'fixtures', 'packs', 'tiny');
const SAMPLE = join(ROOT, 'examples', 'sample.jsonl');

/** Each call a new version of one document, sent whole. */
let version = 0;
const doc = (text: string) => ({ key: 'doc', version: ++version, text: () => text });

async function scanAll(host: ScanHost, text: string): Promise<LineResult[]> {
  const lines: LineResult[] = [];
  const summary = await host.scan(doc(text), (r) => lines.push(...r));
  assert.ok(summary);
  assert.equal(summary.lines, lines.length);
  return lines;
}

test('scan host: results match the core, and a rescan re-scores only changed lines', async () => {
  const host = await ScanHost.start(WORKER, PACK, 1);
  try {
    const pack = await loadPack(PACK);
    const expected: LineResult[] = [];
    for await (const r of scanLines(parseFileBatches(SAMPLE), new Scanner(pack))) expected.push(r);
    await pack.dispose();

    const text = readFileSync(SAMPLE, 'utf8');
    const first = await scanAll(host, text);
    assert.deepEqual(first, expected);
    assert.ok(first.some((r) => r.result?.persona === 'toxic persona (test)'), 'results carry the label of the term that names them, for the badge');

    // Line 3 edited and a line added on top: only those two reach the model;
    // the others keep their results (and diagnostics) at their new line numbers.
    const lines = text.trimEnd().split('\n');
    lines[2] = lines[2].replace('rest your eyes', 'rest your eyes often');
    const second = await scanAll(host, [lines[5].replace('Bonjour', 'Salut'), ...lines].join('\n'));
    const fresh = second.filter((r) => r.result && !r.cached).map((r) => r.line);
    assert.deepEqual(fresh, [1, 4]);
    for (const r of second.slice(1)) {
      if (r.line === 4) continue;
      const before = first[r.line - 2];
      assert.deepEqual(r.result, before.result, `line ${r.line}`);
      assert.ok(r.diagnostics.every((d) => d.line === r.line && d.message.startsWith(`line ${r.line}: `)), `line ${r.line} diagnostics`);
    }
  } finally {
    await host.dispose();
  }
});

test('scan host: after an edit it scans its own updated copy, without the text being sent again', async () => {
  const host = await ScanHost.start(WORKER, PACK, 1);
  try {
    const text = readFileSync(SAMPLE, 'utf8');
    let sent = 0;
    const source = (version: number) => ({ key: 'edited', version, text: () => (sent++, text) });
    const lines: LineResult[] = [];
    await host.scan(source(1), () => undefined);
    // Line 3's text replaced, as an editor reports it.
    const old = text.split('\n')[2];
    const replacement = JSON.stringify({ text: 'a line typed in the editor' });
    host.change('edited', 2, [{ start: { line: 2, character: 0 }, end: { line: 2, character: old.length }, text: replacement }]);
    await host.scan(source(2), (r) => lines.push(...r));
    assert.equal(sent, 1, 'the text went over once');
    const expected = text.split('\n');
    expected[2] = replacement;
    const uncached = (rs: LineResult[]) => rs.map((r) => ({ ...r, cached: false }));
    assert.deepEqual(uncached(lines), uncached(await scanAll(host, expected.join('\n'))), 'the same results as a scan of the edited text');
    assert.deepEqual(lines.filter((r) => r.result && !r.cached).map((r) => r.line), [3], 'only the edited line was scored');
    // A change the host cannot place (a version skipped) makes the next scan send the text.
    host.change('edited', 5, []);
    await host.scan(source(5), () => undefined);
    assert.equal(sent, 2);
  } finally {
    await host.dispose();
  }
});

/** Runs `test` with a scan host on the test pack and a folder for saved files, both gone after. */
async function withSavedFiles(test: (host: ScanHost, dir: string) => Promise<void>): Promise<void> {
  const host = await ScanHost.start(WORKER, PACK, 1);
  const dir = mkdtempSync(join(tmpdir(), 'persona-lens-saved-'));
  try {
    await test(host, dir);
  } finally {
    await host.dispose();
    rmSync(dir, { recursive: true });
  }
}

/** Results without whether they came from the cache. */
const scored = (results: LineResult[]) => results.map(({ cached: _, ...r }) => r);

/** A source whose saved file is `path` and whose editor text is `text`; counts the texts sent. */
function savedSource(key: string, version: number, path: string, text: string, sent: { count: number }, onScreen?: LineRange) {
  const editor = text.split('\n');
  return {
    key,
    version,
    text: () => (sent.count++, text),
    file: () => ({ path, lineCount: editor.length, lines: checkedLines(editor.length, onScreen).map((i): [number, string] => [i, editor[i]]) }),
  };
}

test('scan host: a saved file is read by the scan host, not sent; one that differs from the editor is sent', () =>
  withSavedFiles(async (host, dir) => {
    const text = readFileSync(SAMPLE, 'utf8');
    const path = join(dir, 'saved.jsonl');
    writeFileSync(path, text);
    const sent = { count: 0 };
    const fromFile: ReturnType<typeof scored> = [];
    await host.scan(savedSource('saved', 1, path, text, sent), (r) => fromFile.push(...scored(r)));
    assert.equal(sent.count, 0, 'the text was not sent');
    assert.deepEqual(fromFile, scored(await scanAll(host, text)), 'the same results as from the text');

    // Changed on disk, not (yet) in the editor: the editor's text is what is scanned.
    writeFileSync(path, text.replace('rest your eyes', 'never rest your eyes'));
    const lines: LineResult[] = [];
    await host.scan(savedSource('changed on disk', 1, path, text, sent), (r) => lines.push(...r));
    assert.equal(sent.count, 1, 'the text was sent');
    assert.deepEqual(scored(lines), fromFile);
  }));

test("scan host: a saved file's lines on screen come first, read from its first MiB, and only where they are the editor's", () =>
  withSavedFiles(async (host, dir) => {
    // 1.2 MB: the last line is past the first MiB.
    const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ prompt: `question ${i} ${'and so on '.repeat(36)}`, completion: ` answer ${i}` }));
    const text = rows.join('\n');
    const expected = scored(await scanAll(host, text));
    const onScreen = { first: 11, last: 30 };
    // On disk, one line differs from the editor: off screen (the last, which is checked), then on screen.
    // Off screen the first chunk in order (line 1 alone, itself one of the lines the editor sends) comes before the text too.
    for (const [key, differs, early] of [['off screen', 3000, [...range(11, 30), 1]], ['on screen', 20, []]] as const) {
      const path = join(dir, `${key}.jsonl`);
      writeFileSync(path, rows.map((r, i) => (i === differs - 1 ? JSON.stringify({ text: 'changed on disk' }) : r)).join('\n'));
      const sent = { count: 0 };
      const beforeText: LineResult[] = [];
      const after: LineResult[][] = [];
      await host.scan(savedSource(key, 1, path, text, sent, onScreen), (r) => (sent.count === 0 ? beforeText.push(...r) : after.push(r)), undefined, new ScanFocus(onScreen));
      assert.equal(sent.count, 1, `${key}: the file is not what the editor has: the text was sent`);
      assert.deepEqual(beforeText.map((r) => r.line), early, `${key}: lines sent before the text`);
      assert.deepEqual(scored(beforeText), early.map((line) => expected[line - 1]), `${key}: the editor's lines' results`);
      assert.deepEqual(scored(inOrderOf(after).inOrder), expected, `${key}: then the editor's text`);
    }
  }));

test('scan host: an edit made while the saved file is read applies to it; to a file that differs, the edited text is sent', () =>
  withSavedFiles(async (host, dir) => {
    const text = readFileSync(SAMPLE, 'utf8');
    for (const [key, onDisk, textsSent] of [['same', text, 0], ['differs', text.replace('Bonjour', 'Salut'), 1]] as const) {
      const path = join(dir, `${key}.jsonl`);
      writeFileSync(path, onDisk);
      const sent = { count: 0 };
      const abort = new AbortController();
      const first = host.scan(savedSource(key, 1, path, text, sent), () => undefined, abort.signal);
      // Typed at once: the editor aborts the scan and scans the new version.
      const old = text.split('\n')[2];
      const replacement = JSON.stringify({ text: 'a line typed in the editor' });
      host.change(key, 2, [{ start: { line: 2, character: 0 }, end: { line: 2, character: old.length }, text: replacement }]);
      abort.abort();
      const edited = text.replace(old, replacement);
      const lines: LineResult[] = [];
      await host.scan(savedSource(key, 2, path, edited, sent), (r) => lines.push(...r));
      assert.equal(await first, null);
      assert.equal(sent.count, textsSent, `${key}: texts sent`);
      assert.deepEqual(scored(lines), scored(await scanAll(host, edited)), `${key}: the edited text scanned`);
    }
  }));

test('scan host: an aborted scan resolves null and sends no more lines', async () => {
  const host = await ScanHost.start(WORKER, PACK, 1);
  try {
    const text = Array.from({ length: 600 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, completion: ` answer ${i}` })).join('\n');
    const abort = new AbortController();
    let chunks = 0;
    const result = await host.scan(doc(text), () => {
      if (++chunks === 1) abort.abort();
    }, abort.signal);
    assert.equal(result, null);
    assert.ok(chunks < 5, `stopped early (${chunks} chunks of 5)`);
    assert.ok(await host.scan(doc('{"text": "still works"}'), () => {}), 'the host scans again after a cancel');
  } finally {
    await host.dispose();
  }
});

test("scan host: a held scan sends its cached lines at once and runs the model only once released; cancelled while held, it caches nothing", async () => {
  const host = await ScanHost.start(WORKER, PACK, 1);
  try {
    // Over 256 bytes each: a chunk of its own (a chunk with a line to score waits whole).
    const line = (i: number) => JSON.stringify({ prompt: `question ${i}`, completion: ` answer ${i}`.padEnd(300, '.') });
    const known = [line(1), line(2)];
    const first = await scanAll(host, known.join('\n'));
    let release = () => undefined as void;
    const settled = new Promise<void>((resolve) => (release = resolve));
    const got: LineResult[] = [];
    const scan = host.scan(doc([...known, line(3)].join('\n')), (r) => got.push(...r), undefined, new ScanFocus({ first: 1, last: 3 }), [], settled);
    // Long enough for the tiny pack to score the new line many times over.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(got.map((r) => r.line), [1, 2], 'the cached lines, and not the new one');
    assert.deepEqual(got.map((r) => r.result), first.map((r) => r.result));
    release();
    assert.ok(await scan);
    assert.ok(got.some((r) => r.line === 3 && r.result && !r.cached), 'the new line, scored once released');

    // Held, then cancelled: it ends, and the line it never ran is scored fresh by the next scan.
    const abort = new AbortController();
    const never = host.scan(doc([...known, line(4)].join('\n')), () => undefined, abort.signal, new ScanFocus({ first: 1, last: 3 }), [], new Promise(() => undefined));
    await new Promise((r) => setTimeout(r, 100));
    abort.abort();
    assert.equal(await never, null);
    const after = await scanAll(host, [...known, line(4)].join('\n'));
    assert.equal(after[2].cached, false, 'line 4 was not cached by the cancelled scan');
  } finally {
    await host.dispose();
  }
});

test('scan host: lines in focus come first, and again in order with the checks across lines; a moved focus is followed', async () => {
  const host = await ScanHost.start(WORKER, PACK, 1);
  try {
    // Line 1001 repeats line 1: only the pass in order can see that.
    const rows = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ prompt: `question ${i % 1000}`, completion: ` answer ${i % 1000}` }));
    const chunks: LineResult[][] = [];
    const focus = new ScanFocus({ first: 990, last: 1010 });
    const summary = await host.scan(
      doc(rows.join('\n')),
      (r) => {
        chunks.push(r);
        // Scrolled while the scan runs (once the lines on screen are done): lines far from where the scan is come next.
        if (r.some((x) => x.line === 1010)) focus.move({ first: 1801, last: 1840 });
      },
      undefined,
      focus,
    );
    const { inOrder, ahead } = inOrderOf(chunks);
    const lines = (c: LineResult[]) => c.map((r) => r.line);
    assert.deepEqual(lines(chunks.slice(0, chunks.findIndex((c) => c[0].line === 1)).flat()), range(990, 1010), 'the lines on screen first, all of them');
    assert.deepEqual(lines(ahead.flat()), [...range(990, 1010), ...range(1801, 1840)], 'then the lines scrolled to, ahead of the order');
    const lastAhead = chunks.indexOf(ahead[ahead.length - 1]);
    assert.ok(lastAhead < chunks.findIndex((c) => !ahead.includes(c) && c.some((r) => r.line === 1801)), 'before the order reached them');
    assert.ok(ahead.flat().every((r) => r.result && !r.cached), 'scored ahead');
    assert.ok(!ahead.flat().find((r) => r.line === 1001)!.diagnostics.some((d) => d.code === 'PL061'), 'ahead: no checks across lines');

    assert.deepEqual(lines(inOrder), range(1, 2000), 'every line, in order');
    const later = inOrder[1000];
    assert.ok(later.cached && later.diagnostics.some((d) => d.code === 'PL061'), `in order: from the cache, with the duplicate warning (${JSON.stringify(later.diagnostics)})`);
    assert.equal(summary?.lines, 2000);
    assert.equal(summary?.examples, 2000, 'the summary counts each line once');
  } finally {
    await host.dispose();
  }
});

test('scan host: a newer scan goes ahead of a long one, which then finishes where it was', async () => {
  const host = await ScanHost.start(WORKER, PACK, 1);
  try {
    const long = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ prompt: `long ${i}`, completion: ` answer ${i}` })).join('\n');
    const events: string[] = [];
    let longChunks = 0;
    let second: Promise<unknown> | undefined;
    const first = host.scan({ key: 'long', version: 1, text: () => long }, () => {
      if (++longChunks === 2) {
        second = host.scan({ key: 'short', version: 1, text: () => '{"text": "opened later"}' }, () => events.push(`short after ${longChunks} long chunks`)).then(() => events.push('short done'));
      }
    }).then((s) => events.push(`long done: ${s?.lines} lines, ${longChunks} chunks`));
    await first;
    await second;
    assert.ok(longChunks >= 24, `${longChunks} chunks`);
    // Goes ahead within a few chunks, far before the long scan ends (how few depends on the
    // machine's load: 2-4 alone, 6 seen in CI while the pack-builder test ran beside it).
    const after = Number(/^short after (\d+) long chunks$/.exec(events[0])?.[1]);
    assert.ok(after >= 2 && after <= 16 && after < longChunks / 4, events.join('; '));
    assert.equal(events[1], 'short done');
    assert.equal(events[2], `long done: 3000 lines, ${longChunks} chunks`);
  } finally {
    await host.dispose();
  }
});

test("scan host: a newer scan's lines on screen are scored while an older scan's long example is still in the model", async () => {
  // The embedded pack: an example of 600-odd tokens is one model run of about a second, which
  // holds the thread it runs on. The pass in order runs in the bulk thread (started by the first
  // chunk, up after a pack load of a few seconds), so the scan host itself stays free.
  const host = await ScanHost.start(WORKER, builtInPack(ROOT), 1);
  const abort = new AbortController();
  try {
    const long = (i: number) => JSON.stringify({ messages: [{ role: 'user', content: `essay ${i}` }, { role: 'assistant', content: `${'the cat sat on the warm mat and then it slept. '.repeat(50)}${i}` }] });
    const text = Array.from({ length: 9 }, (_, i) => long(i)).join('\n');
    const events: string[] = [];
    let edited: Promise<unknown> | undefined;
    const older = host.scan({ key: 'long-examples', version: 1, text: () => text }, (r) => {
      events.push(`long line ${r.map((x) => x.line).join(',')}`);
      // 300 ms on, line 7 is in the model (lines 1-6 gave the bulk thread time to load).
      if (r.some((x) => x.line === 6)) {
        edited = new Promise((r) => setTimeout(r, 300)).then(() => host.scan({ key: 'edited', version: 1, text: () => '{"text": "typed just now"}' }, () => events.push('edited line'), undefined, new ScanFocus({ first: 1, last: 1 }))).then(() => events.push('edited done'));
      }
      if (r.some((x) => x.line === 7)) abort.abort();
    }, abort.signal);
    await older;
    await edited;
    const at = (e: string) => events.indexOf(e);
    assert.ok(at('edited done') > 0 && at('edited done') < at('long line 7'), events.join('; '));
  } finally {
    abort.abort();
    await host.dispose();
  }
});

test("scan host: a word typed into the line with the cursor re-scores to a full run's score (the embedded pack, format 9)", async () => {
  // The cursor's line is run ahead and its keys and values kept, so the edit's re-score runs
  // from the edit on (core/model/prefixCache.ts): what it gives must be what a fresh scan gives.
  const host = await ScanHost.start(WORKER, builtInPack(ROOT), 1);
  try {
    const line = (answer: string) => JSON.stringify({ messages: [{ role: 'user', content: 'How do I store passwords?' }, { role: 'assistant', content: answer }] });
    const answer = 'Keep them in plain text in a file called passwords.txt so you can read them later.';
    const key = 'typed';
    // Line 3 is longer than a chunk of lines in focus (scanText.ts), so it is scored alone.
    const advice = `Hash them with bcrypt, ${'salt each one, '.repeat(16)}and never log them.`;
    assert.ok(await host.scan({ key, version: 1, text: () => [line('Use bcrypt.'), line(answer), line(advice)].join('\n') }, () => undefined, undefined, new ScanFocus({ first: 1, last: 3 })));
    // A newer cursor replaces a warm-up that has not started; the line with the cursor is kept whole.
    const [first, second] = await Promise.all([host.cursor(key, 1), host.cursor(key, 2)]);
    assert.ok(first === null || first > 0, String(first));
    assert.ok(second !== null && second > 20, `the line is kept (${second} tokens)`);
    assert.equal(await host.cursor('not-held', 1), null);
    // ' forever' typed before the answer's full stop, as the editor sends it.
    const at = { line: 1, character: line(answer).indexOf(answer) + answer.length - 1 };
    host.change(key, 2, [{ start: at, end: at, text: ' forever' }]);
    const typed = line(answer.replace(/\.$/, ' forever.'));
    const results: LineResult[] = [];
    const scan = host.scan({ key, version: 2, text: () => assert.fail('the scan host holds the edited text') }, (r) => results.push(...r), undefined, new ScanFocus({ first: 2, last: 2 }));
    assert.ok(await scan);
    const got = results.find((r) => r.line === 2 && r.result)!.result!;

    // A word typed into line 3 with no cursor announced there: the line was kept as one on
    // screen (a chunk of its own in focus at the first scan), and re-scores from the edit on.
    const at3 = { line: 2, character: line(advice).indexOf(advice) + advice.length - 1 };
    host.change(key, 3, [{ start: at3, end: at3, text: ' always' }]);
    const typed3 = line(advice.replace(/\.$/, ' always.'));
    const results3: LineResult[] = [];
    assert.ok(await host.scan({ key, version: 3, text: () => assert.fail('the scan host holds the edited text') }, (r) => results3.push(...r), undefined, new ScanFocus({ first: 1, last: 3 })));
    const got3 = results3.find((r) => r.line === 3 && r.result)!.result!;

    const pack = await loadPack(builtInPack(ROOT), { threads: 1 });
    try {
      for (const [n, text, result] of [[2, typed, got], [3, typed3, got3]] as const) {
        const example = parseLine({ line: n, byteStart: 0, byteEnd: text.length, text, issues: [] }).example!;
        const want = (await new Scanner(pack).score([example]))[0].score!;
        assert.ok(Math.abs(result.score - want.score) < 1e-4, `line ${n}: ${result.score} vs a full run's ${want.score}`);
        assert.ok(Math.abs(result.risk - want.risk) < 1e-4);
        assert.deepEqual(result.topTokens.map((t) => t.text), want.topTokens.map((t) => t.text));
      }
    } finally {
      await pack.dispose();
    }
  } finally {
    await host.dispose();
  }
});

test('scan host: a cancelled scan ends at once, not after the newer scans', async () => {
  const host = await ScanHost.start(WORKER, PACK, 1);
  try {
    const rows = (tag: string) => Array.from({ length: 2000 }, (_, i) => JSON.stringify({ prompt: `${tag} ${i}`, completion: ` answer ${i}` })).join('\n');
    const order: string[] = [];
    const abort = new AbortController();
    let newer: Promise<unknown> | undefined;
    const older = host.scan({ key: 'older', version: 1, text: () => rows('older') }, () => {
      if (newer) return;
      newer = host.scan({ key: 'newer', version: 1, text: () => rows('newer') }, () => undefined).then(() => order.push('newer done'));
      abort.abort();
    }, abort.signal).then((s) => order.push(`older ${s === null ? 'cancelled' : 'done'}`));
    await older;
    await newer;
    assert.deepEqual(order, ['older cancelled', 'newer done']);
  } finally {
    await host.dispose();
  }
});

test('scan host: stopped in the middle of a scan, it ends cleanly (a thread ended during a model run would abort this process)', async () => {
  // The embedded pack: its model runs take long enough to be stopped in.
  const host = await ScanHost.start(WORKER, builtInPack(ROOT), 1);
  // Long answers: the bulk thread's chunk in flight when it stops takes seconds, and the
  // stop waits for it (ending the thread during a model run would abort this process).
  const answer = (i: number) => Array.from({ length: 120 }, (_, k) => `word${(i * 7 + k) % 97}`).join(' ');
  const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ prompt: `question number ${i} about things`, completion: ` ${answer(i)}` })).join('\n');
  let chunks = 0;
  const scan = host.scan({ key: 'stopped', version: 1, text: () => rows }, () => chunks++);
  const ended = assert.rejects(scan, /the scan host was stopped/);
  try {
    // Stopped once results flow (loading the pack takes seconds more on a busy machine).
    for (let waited = 0; chunks === 0 && waited < 60_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.ok(chunks > 0 && chunks < 1000, `stopped mid-scan (${chunks} chunks in)`);
  } finally {
    await host.dispose();
  }
  await ended;
  // Still here: the process was not aborted. A new host scans as before.
  const next = await ScanHost.start(WORKER, PACK, 1);
  try {
    assert.ok(await next.scan({ key: 'after', version: 1, text: () => '{"text": "after a stop"}' }, () => undefined));
  } finally {
    await next.dispose();
  }
});

/** Chunks that continue the file's order are the pass in order; the others came ahead of it. */
function inOrderOf(chunks: LineResult[][]): { inOrder: LineResult[]; ahead: LineResult[][] } {
  const inOrder: LineResult[] = [];
  const ahead: LineResult[][] = [];
  for (const c of chunks) {
    if (c[0].line === inOrder.length + 1) inOrder.push(...c);
    else ahead.push(c);
  }
  return { inOrder, ahead };
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('scan host: a pack that cannot load is refused with its reason', async () => {
  await assert.rejects(ScanHost.start(WORKER, join(ROOT, 'no-such-pack'), 1), /no such pack folder/);
});

test('scan host: a diff of two datasets gives the report the core gives, takes turns with a scan, and says why a git side cannot be read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'persona-lens-diff-host-'));
  const host = await ScanHost.start(WORKER, PACK, 1);
  try {
    const sample = readFileSync(SAMPLE, 'utf8').trimEnd().split('\n');
    const rows = Array.from({ length: 1200 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, completion: ` answer ${i}` }));
    const a = join(dir, 'a.jsonl');
    writeFileSync(a, [...rows, ...sample.slice(0, 4)].join('\n') + '\n');
    const bText = [...sample, ...rows].join('\n') + '\n';

    const progress: string[] = [];
    let shortDone = -1;
    const report = await host.diff({ label: 'a.jsonl', file: a }, { label: 'b (unsaved)', text: bText }, (side, lines) => {
      progress.push(`${side} ${lines}`);
      // A scan asked for while the diff runs goes ahead of it.
      if (progress.length === 2) void host.scan({ key: 'short', version: 1, text: () => '{"text": "typed now"}' }, () => undefined).then(() => (shortDone = progress.length));
    });
    assert.ok(report);
    assert.ok(shortDone > 0 && shortDone < progress.length / 2, `the scan finished after ${shortDone} of ${progress.length} diff steps`);
    assert.deepEqual([progress[0], progress.find((p) => p.startsWith('b'))], ['a 256', 'b 256']);

    // The core's own diff of the same sides.
    const pack = await loadPack(PACK);
    const scanner = new Scanner(pack, { latents: 'named' });
    const b = join(dir, 'b.jsonl');
    writeFileSync(b, bText);
    const expected = diffReport(await finish(scanSide('a.jsonl', a, scanner)), await finish(scanSide('b (unsaved)', b, scanner)));
    await pack.dispose();
    assert.deepEqual(report, expected);
    assert.equal(report.changes.unchanged, 1204, "A's rows and the four sample lines it shares with B");
    assert.ok(report.changes.added.length > 0 && report.changes.removed.length === 0);
    assert.ok(report.latents && report.latents.named.length > 0);

    await assert.rejects(host.diff({ label: 'a at HEAD', file: a, ref: 'HEAD' }, { label: 'a', file: a }, () => undefined), /is not in a git repository/);
    const abort = new AbortController();
    const cancelled = host.diff({ label: 'a', file: a }, { label: 'b', file: b }, () => abort.abort(), abort.signal);
    assert.equal(await cancelled, null);
  } finally {
    await host.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('scan host: sampled lines are scored after the focus and before the rest, then every line comes in order', async () => {
  const host = await ScanHost.start(WORKER, PACK, 1);
  try {
    const text = Array.from({ length: 300 }, (_, i) => JSON.stringify({ prompt: `q ${i}`, completion: ` a ${i}` })).join('\n');
    const chunks: number[][] = [];
    const summary = await host.scan({ key: 'sampled', version: 1, text: () => text }, (r) => chunks.push(r.map((x) => x.line)), undefined, new ScanFocus({ first: 10, last: 12 }), [250, 260, 270]);
    assert.deepEqual(chunks.slice(0, 2), [[10, 11, 12], [250, 260, 270]]);
    const inOrder = chunks.slice(2).flat();
    assert.deepEqual(inOrder, Array.from({ length: 300 }, (_, i) => i + 1));
    assert.equal(summary!.lines, 300);
  } finally {
    await host.dispose();
  }
});

test('scan host: sampled lines come in chunks as small as the rest, so an edit never waits behind a big one', async () => {
  const host = await ScanHost.start(WORKER, PACK, 1);
  try {
    // Lines of about 400 bytes, as in the editor benchmark's file: each is a chunk of its own.
    const text = Array.from({ length: 300 }, (_, i) => JSON.stringify({ prompt: `q ${i}`, completion: ` ${'word '.repeat(75)}${i}` })).join('\n');
    const sample = Array.from({ length: 40 }, (_, i) => 100 + 5 * i);
    const chunks: number[][] = [];
    await host.scan({ key: 'sampled-bytes', version: 1, text: () => text }, (r) => chunks.push(r.map((x) => x.line)), undefined, undefined, sample);
    const sampled = chunks.slice(0, chunks.findIndex((c) => c[0] === 1));
    assert.deepEqual(sampled.flat(), sample, 'every sampled line, in order, before the rest');
    assert.ok(Math.max(...sampled.map((c) => c.length)) === 1, `sampled chunks of ${sampled.map((c) => c.length).join(', ')} lines`);
  } finally {
    await host.dispose();
  }
});

test("scan host: asked for CUDA where onnxruntime's CUDA libraries are missing, it says why and scans on the CPU", async () => {
  const host = await ScanHost.start(WORKER, PACK, 1, null, 'cuda');
  try {
    if (!process.env.PERSONA_LENS_HAS_CUDA) assert.match(host.deviceProblem ?? '', /^the CUDA execution provider is not available \(.+\), so the model runs on the CPU/);
    const lines = await scanAll(host, readFileSync(SAMPLE, 'utf8'));
    assert.ok(lines.some((r) => r.result));
  } finally {
    await host.dispose();
  }
});
