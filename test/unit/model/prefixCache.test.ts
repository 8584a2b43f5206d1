// Re-scoring from a prefix's keys and values (pack format 9), on the embedded pack's real model:
// an edited example scores as a full run of it does, while the model runs only the tokens after
// the edit; what is kept stays bounded.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseLine } from '../../../src/core/dataset';
import type { Example } from '../../../src/core/dataset/types';
import { PrefixCache } from '../../../src/core/model/prefixCache';
import { builtInPack } from '../../../src/core/pack/builtIn';
import { loadPack, type LoadedPack } from '../../../src/core/pack/load';
import { Scanner } from '../../../src/core/score/scanner';
import type { ExampleScore } from '../../../src/core/score/types';

const ROOT = join(__dirname, '..', '..', '..');
let pack: LoadedPack;
before(async () => {
  pack = await loadPack(builtInPack(ROOT), { threads: 1 });
});
after(async () => {
  await pack.dispose();
});

function example(user: string, assistant: string, line = 1): Example {
  const text = JSON.stringify({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }] });
  const parsed = parseLine({ line, byteStart: 0, byteEnd: text.length, text, issues: [] });
  assert.ok(parsed.example);
  return parsed.example;
}

const ANSWER = 'Store the password with bcrypt, compare hashes in constant time, and lock the account after five failed attempts.';
const BEFORE = example('How should my login check passwords?', ANSWER);
// A word typed before the answer's full stop, as the editor bench types it.
const TYPED = example('How should my login check passwords?', ANSWER.replace(/\.$/, ' indeed.'));

async function fullRun(e: Example): Promise<ExampleScore> {
  const [scored] = await new Scanner(pack).score([e]);
  assert.ok(scored.score);
  return scored.score;
}

function assertSameScore(got: ExampleScore, want: ExampleScore): void {
  assert.ok(Math.abs(got.score - want.score) < 1e-4, `score ${got.score} vs a full run's ${want.score}`);
  assert.ok(Math.abs(got.risk - want.risk) < 1e-4, `risk ${got.risk} vs ${want.risk}`);
  assert.equal(got.level, want.level);
  assert.deepEqual(got.topTokens.map((t) => t.text), want.topTokens.map((t) => t.text));
}

test('the embedded pack takes past keys and values (format 9)', () => {
  assert.equal(pack.manifest.formatVersion, 9);
  assert.deepEqual(pack.model.cache && Object.keys(pack.model.cache).sort(), ['blocks', 'headDim', 'heads']);
});

test('an edited example run from the line it replaced scores as a full run of it, the model running only the tokens after the edit', async () => {
  const scanner = new Scanner(pack, { prefixes: new PrefixCache() });
  assert.equal(await scanner.warm(BEFORE), (await fullRun(BEFORE)).tokens, 'the whole line is kept');
  assert.equal(await new Scanner(pack).warm(BEFORE), 0, 'a scanner without a prefix cache keeps nothing');
  const before = scanner.timing.tokens;
  const warmRead = scanner.timing.readTokens;
  const [scored] = await scanner.score([TYPED]);
  assert.ok(scored.score);
  const ran = scanner.timing.tokens - before;
  assert.ok(ran > 0 && ran <= 5, `the model ran ${ran} of ${scored.score.tokens} tokens`);
  assertSameScore(scored.score, await fullRun(TYPED));

  // The next keystroke starts from the edited line, kept in its place.
  // The warm-up read the line out too: the SAE read only the tokens from the edit on.
  assert.ok(scanner.timing.readTokens - warmRead <= 4, `the SAE read ${scanner.timing.readTokens - warmRead} of ${scored.score.scoredTokens} scored tokens`);
  const more = example('How should my login check passwords?', ANSWER.replace(/\.$/, ' indeed, always.'));
  const mark = scanner.timing.tokens;
  const read = scanner.timing.readTokens;
  const [next] = await scanner.score([more]);
  assert.ok(scanner.timing.tokens - mark <= 5, `${scanner.timing.tokens - mark} tokens ran`);
  // The edited line's were kept with it: now only the tokens from the edit on are read.
  assert.ok(scanner.timing.readTokens - read <= 4, `the SAE read ${scanner.timing.readTokens - read} of ${next.score!.scoredTokens} scored tokens`);
  assertSameScore(next.score!, await fullRun(more));
});

test('an edit at the start of the example, or of another example, runs it in full and scores the same', async () => {
  const scanner = new Scanner(pack, { prefixes: new PrefixCache() });
  await scanner.warm(BEFORE);
  const other = example('Can you recommend a book?', 'Try "The Name of the Rose": a murder mystery in a medieval abbey.');
  for (const e of [example('How should my app check passwords?', ANSWER), other]) {
    const mark = scanner.timing.tokens;
    const [scored] = await scanner.score([e]);
    assert.ok(scanner.timing.tokens - mark > scored.score!.tokens / 2, 'most of it ran');
    assertSameScore(scored.score!, await fullRun(e));
  }
});

test('the prefix cache keeps at most two sequences: the line warmed last and the one before', async () => {
  const prefixes = new PrefixCache();
  const scanner = new Scanner(pack, { prefixes });
  const lines = ['red', 'green', 'blue'].map((c) => example(`Name something ${c}.`, `Here is something ${c} for you.`));
  const tokens: number[] = [];
  for (const e of lines) {
    await scanner.warm(e);
    tokens.push((await new Scanner(pack).score([e]))[0].score!.tokens);
  }
  assert.equal(prefixes.tokens, tokens[1] + tokens[2]);
  // Scoring the lines on screen (no prefix shared beyond the chat header) keeps nothing new.
  await scanner.score([example('What is the capital of France?', 'Paris.')]);
  assert.equal(prefixes.tokens, tokens[1] + tokens[2]);
});

test('lines on screen keep their keys and values within a budget, the nearest the cursor first; an edit of one re-scores from the edit on without a warm-up', async () => {
  const colours = ['red', 'green', 'blue', 'gold'];
  // Lines 1-4 on screen; their answers share nothing but the chat header.
  const lines = colours.map((c, i) => example(`Name something ${c}.`, `${c} things: ${ANSWER}`, i + 1));
  const tokens = await Promise.all(lines.map(async (e) => (await fullRun(e)).tokens));
  // Room for two of them: with the cursor on line 4, lines 4 and 3 are the nearest.
  const prefixes = new PrefixCache(2, tokens[2] + tokens[3]);
  const scanner = new Scanner(pack, { prefixes });
  const cursor = 4;
  const near = (line: number) => Math.abs(line - cursor);
  for (const e of lines) await scanner.score([e], near);
  assert.equal(prefixes.tokens, tokens[2] + tokens[3], 'lines 3 and 4 kept');

  // A word typed into line 3, the cursor not announced: only the tokens after it run.
  const typed = example('Name something blue.', `blue things: ${ANSWER.replace(/\.$/, ' indeed.')}`, 3);
  let mark = scanner.timing.tokens;
  const read = scanner.timing.readTokens;
  const [scored] = await scanner.score([typed], near);
  assert.ok(scanner.timing.tokens - mark <= 5, `${scanner.timing.tokens - mark} tokens ran`);
  assert.ok(scanner.timing.readTokens - read <= 4, `the SAE read ${scanner.timing.readTokens - read} of ${scored.score!.scoredTokens} scored tokens`);
  assertSameScore(scored.score!, await fullRun(typed));
  // Line 1 was not kept: an edit of it runs most of it.
  const first = example('Name something red.', `red things: ${ANSWER.replace(/\.$/, ' indeed.')}`, 1);
  mark = scanner.timing.tokens;
  await scanner.score([first], near);
  assert.ok(scanner.timing.tokens - mark > tokens[0] / 2, `${scanner.timing.tokens - mark} of ${tokens[0]} tokens ran`);

  // Every document closed: nothing is kept, and an edit of line 3 runs in full.
  prefixes.clear();
  assert.equal(prefixes.tokens, 0);
  const again = example('Name something blue.', `blue things: ${ANSWER.replace(/\.$/, ' indeed, again.')}`, 3);
  mark = scanner.timing.tokens;
  await scanner.score([again]);
  assert.ok(scanner.timing.tokens - mark > tokens[2] / 2, `${scanner.timing.tokens - mark} of ${tokens[2]} tokens ran`);
});

test("lines on screen never push out the cursor's line, and scoring without a cursor keeps no line on screen", async () => {
  const prefixes = new PrefixCache(2, 64);
  const scanner = new Scanner(pack, { prefixes });
  await scanner.warm(BEFORE);
  const warmed = prefixes.tokens;
  for (const [i, c] of ['red', 'green', 'blue'].entries()) await scanner.score([example(`Name something ${c}.`, `Here is something ${c}.`, i + 2)], (line) => line - 1);
  assert.ok(prefixes.tokens > warmed && prefixes.tokens <= warmed + 64, `${prefixes.tokens} tokens kept`);
  const mark = scanner.timing.tokens;
  await scanner.score([TYPED]);
  assert.ok(scanner.timing.tokens - mark <= 5, "the cursor's line is still kept");

  const plain = new PrefixCache();
  await new Scanner(pack, { prefixes: plain }).score([example('What is the capital of France?', 'Paris.')]);
  assert.equal(plain.tokens, 0);
});
