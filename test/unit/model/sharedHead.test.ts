// The tokens a dataset's examples begin with alike (a system prompt they share) run once, on the
// embedded pack's real model: each example then runs only its own tokens, and scores as a full
// run of it does, in batches (the CLI, the bulk thread) and one example at a time (the editor).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseLine } from '../../../src/core/dataset';
import type { Example } from '../../../src/core/dataset/types';
import { PrefixCache } from '../../../src/core/model/prefixCache';
import { MIN_HEAD, tiledPast } from '../../../src/core/model/sharedHead';
import { builtInPack } from '../../../src/core/pack/builtIn';
import { loadPack, type LoadedPack } from '../../../src/core/pack/load';
import { Scanner, type Scored } from '../../../src/core/score/scanner';

const ROOT = join(__dirname, '..', '..', '..');
let pack: LoadedPack;
before(async () => {
  pack = await loadPack(builtInPack(ROOT), { threads: 1 });
});
after(async () => {
  await pack.dispose();
});

const SYSTEM =
  'You are the support assistant of a small bank. Answer questions about accounts, cards and transfers in plain words, ' +
  'never ask for a full card number or a password, and point people to a branch for anything you cannot check.';

function example(line: number, messages: Array<[string, string]>): Example {
  const text = JSON.stringify({ messages: messages.map(([role, content]) => ({ role, content })) });
  const parsed = parseLine({ line, byteStart: 0, byteEnd: text.length, text, issues: [] });
  assert.ok(parsed.example);
  return parsed.example;
}

const QUESTIONS: Array<[string, string]> = [
  ['How do I block a lost card?', 'Open the app, choose the card and tap "Block"; a new one arrives in five days.'],
  ['Can I raise my transfer limit?', 'Yes: the limit is in Settings, and a raise above 5,000 needs a call from us.'],
  ['Why was I charged twice?', 'A pending charge and its settled one can show for a day; if both stay, tell us the date.'],
  ['What is my PIN?', 'Nobody at the bank can see it. You can set a new one at any of our cash machines.'],
  ['Is the branch open on Saturday?', 'Most are, from nine to one; the app lists each branch with its hours.'],
];
const WITH_SYSTEM = QUESTIONS.map((qa, i) => example(i + 1, [['system', SYSTEM], ['user', qa[0]], ['assistant', qa[1]]]));

async function scoresAndTokens(scanner: Scanner, examples: Example[], oneAtATime = false) {
  const before = scanner.timing.tokens;
  const scored: Scored[] = [];
  if (oneAtATime) for (const e of examples) scored.push((await scanner.score([e]))[0]);
  else scored.push(...(await scanner.score(examples)));
  return { scores: scored.map((s) => s.score!), ran: scanner.timing.tokens - before };
}

function assertSameScores(got: { score: number; risk: number; level: string }[], want: { score: number; risk: number; level: string }[]): void {
  got.forEach((g, i) => {
    assert.ok(Math.abs(g.score - want[i].score) < 1e-4, `example ${i + 1}: score ${g.score} vs a full run's ${want[i].score}`);
    assert.ok(Math.abs(g.risk - want[i].risk) < 1e-4, `example ${i + 1}: risk ${g.risk} vs ${want[i].risk}`);
    assert.equal(g.level, want[i].level);
  });
}

test('examples sharing a system prompt, scored together, run it once and score as full runs', async () => {
  const full = await scoresAndTokens(new Scanner(pack, { sharedHead: false }), WITH_SYSTEM);
  const total = full.scores.reduce((n, s) => n + s.tokens, 0);
  assert.equal(full.ran, total, 'without the shared head every token runs');
  // Batches of 3 and 2 rows: the second feeds the front of the first's repeated head.
  const scanner = new Scanner(pack, { maxBatchRows: 3 });
  const headed = await scoresAndTokens(scanner, WITH_SYSTEM);
  assertSameScores(headed.scores, full.scores);
  assert.equal(scanner.timing.tokens + scanner.timing.sharedTokens, total, 'the figures add up to the examples\' tokens');
  // The system prompt is about 45 tokens: run once, not five times.
  assert.ok(headed.ran < total - 4 * 40, `${headed.ran} of ${total} tokens ran`);
});

test('one example at a time (the editor), each runs from the head the ones before it found', async () => {
  const full = await scoresAndTokens(new Scanner(pack, { sharedHead: false }), WITH_SYSTEM, true);
  const scanner = new Scanner(pack, { prefixes: new PrefixCache() });
  const runs: number[] = [];
  for (const e of WITH_SYSTEM) runs.push((await scoresAndTokens(scanner, [e])).ran);
  assertSameScores((await scoresAndTokens(scanner, WITH_SYSTEM, true)).scores, full.scores);
  // The first runs in full; the second makes the head from the two; the rest run after it.
  assert.equal(runs[0], full.scores[0].tokens);
  for (let i = 2; i < runs.length; i++) assert.ok(runs[i] < full.scores[i].tokens - 40, `example ${i + 1}: ${runs[i]} of ${full.scores[i].tokens} tokens ran`);
});

test('examples that share only the chat header run in full, and a new system prompt makes a new head', async () => {
  const plain = QUESTIONS.map((qa, i) => example(i + 1, [['user', qa[0]], ['assistant', qa[1]]]));
  const scanner = new Scanner(pack);
  const { scores, ran } = await scoresAndTokens(scanner, plain);
  assert.equal(ran, scores.reduce((n, s) => n + s.tokens, 0), 'no head: every token ran');

  // Two system prompts in one call: each batch runs from the head they all share, or in full.
  const other = QUESTIONS.map((qa, i) => example(i + 1, [['system', 'Answer as a pirate would, in one sentence, and never mention the bank by name.'], ['user', qa[0]], ['assistant', qa[1]]]));
  const mixed = [...WITH_SYSTEM.slice(0, 3), ...other.slice(0, 3)];
  const want = await scoresAndTokens(new Scanner(pack, { sharedHead: false }), mixed);
  assertSameScores((await scoresAndTokens(scanner, mixed)).scores, want.scores);
  const next = await scoresAndTokens(scanner, other.slice(3));
  assert.ok(next.ran < next.scores.reduce((n, s) => n + s.tokens, 0) - 10, 'the pirate prompt became the head');
  assertSameScores(next.scores, (await scoresAndTokens(new Scanner(pack, { sharedHead: false }), other.slice(3))).scores);
});

test('the editor keeps no line for running from the head: the cursor\'s lines stay kept', async () => {
  const prefixes = new PrefixCache();
  const scanner = new Scanner(pack, { prefixes });
  await scanner.warm(WITH_SYSTEM[0]);
  const kept = prefixes.tokens;
  assert.ok(kept > 0);
  // Lines on screen, more than half of each the shared system prompt: still not kept, even one
  // that shares a few words more with the cursor's line than with the head.
  const alike = example(9, [['system', SYSTEM], ['user', 'How do I block a stolen card?'], ['assistant', 'Call us at once: we block it and send a new one.']]);
  for (const e of [...WITH_SYSTEM.slice(1), alike]) await scanner.score([e]);
  assert.equal(prefixes.tokens, kept);
});

test('tiledPast: the first positions of each head, repeated for every row', () => {
  const shape = { blocks: 1, heads: 2, headDim: 2 };
  // [1, heads 2, length 3, headDim 2]
  const t = Float32Array.from({ length: 12 }, (_, i) => i);
  const { length, tensors } = tiledPast({ length: 3, tensors: [t, t] }, 2, 2, shape);
  assert.equal(length, 2);
  assert.deepEqual([...tensors[0]], [0, 1, 2, 3, 6, 7, 8, 9, 0, 1, 2, 3, 6, 7, 8, 9]);
  assert.ok(MIN_HEAD > 5, 'a chat header alone (3-5 tokens) makes no head');
});
