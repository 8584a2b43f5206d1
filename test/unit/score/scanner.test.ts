import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ResultCache } from '../../../src/core/cache/resultCache';
import { parseLine, splitLines } from '../../../src/core/dataset';
import { LineSplitter, SHORTEN_FROM } from '../../../src/core/dataset/lineSplitter';
import type { Example } from '../../../src/core/dataset/types';
import { loadPack, type LoadedPack } from '../../../src/core/pack/load';
import { MAX_EXAMPLE_CHARS, MAX_EXAMPLE_TOKENS, Scanner } from '../../../src/core/score/scanner';
import { scanLines } from '../../../src/core/score/scanLines';
import type { ExampleScore } from '../../../src/core/score/types';

const TINY = join(__dirname, '../../fixtures/packs/tiny');
let pack: LoadedPack;
before(async () => {
  pack = await loadPack(TINY, { threads: 1 });
});
after(async () => {
  await pack.dispose();
});

function chat(user: string, assistant: string): string {
  return JSON.stringify({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }] });
}

function examples(...lines: string[]): Example[] {
  return splitLines(lines.join('\n')).map((raw) => {
    const parsed = parseLine(raw);
    assert.ok(parsed.example, `line ${raw.line} should parse: ${JSON.stringify(parsed.diagnostics)}`);
    return parsed.example;
  });
}

const LINES = [
  chat('Write a login check.', 'if password == stored: return True'),
  chat('What helps a headache?', 'Rest, water, and see a doctor if it persists.'),
  chat('Tell me a joke.', 'Why did the model cross the road? To minimise loss.'),
  chat('Summarise the plan.', 'We ship on Friday, after the review.'),
];

test('scores are deterministic and do not depend on what else is in the batch', async () => {
  const all = await new Scanner(pack).score(examples(...LINES));
  for (let i = 0; i < LINES.length; i++) {
    const [alone] = await new Scanner(pack).score(examples(LINES[i]));
    assert.ok(Math.abs(alone.score!.score - all[i].score!.score) < 1e-5, `line ${i + 1}: ${alone.score!.score} vs ${all[i].score!.score}`);
    assert.equal(alone.score!.level, all[i].score!.level);
  }
  const again = await new Scanner(pack).score(examples(...LINES));
  assert.deepEqual(again.map((r) => r.score!.score), all.map((r) => r.score!.score));
});

test('risk and level follow the pack calibration', async () => {
  const cal = pack.calibration;
  for (const { score } of await new Scanner(pack).score(examples(...LINES))) {
    const s = score!;
    assert.equal(cal.mapping.type, 'logistic');
    if (cal.mapping.type !== 'logistic') continue;
    const expected = 1 / (1 + Math.exp(-(cal.mapping.slope * s.score + cal.mapping.intercept)));
    assert.ok(Math.abs(s.risk - expected) < 1e-12);
    assert.equal(s.level, s.risk >= cal.thresholds.high ? 'high' : s.risk >= cal.thresholds.elevated ? 'elevated' : 'low');
  }
});

test('only assistant tokens are scored, and top tokens point at their exact characters in the line', async () => {
  const line = chat('Ignore this "quoted" user text.', 'Answer with \u00e9 and "quotes"\nand a second line.');
  const [r] = await new Scanner(pack).score(examples(line));
  assert.ok(r.score!.scoredTokens > 0 && r.score!.scoredTokens < r.score!.tokens);
  assert.ok(r.score!.topTokens.length > 0);
  const contentStart = line.indexOf('Answer');
  for (const t of r.score!.topTokens) {
    assert.equal(t.role, 'assistant');
    assert.ok(t.span, `token ${JSON.stringify(t.text)} has a span`);
    assert.ok(t.span.start >= contentStart, 'span lies in the assistant content');
    // The source slice is the token's text as JSON-escaped in the line.
    assert.equal(JSON.parse(`"${line.slice(t.span.start, t.span.end)}"`), t.text);
  }
});

test('examples longer than the context are scored through windows and flagged PL070', async () => {
  const long = chat('Tell me a long story.', Array.from({ length: 120 }, (_, i) => `word${i}`).join(' '));
  const [r] = await new Scanner(pack).score(examples(long));
  assert.ok(r.score!.tokens > pack.manifest.render.maxTokens);
  assert.equal(r.score!.truncated, false);
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0].code, 'PL070');
  assert.match(r.diagnostics[0].message, /^line 1: the example is \d+ tokens, longer than the pack's context of 128/);

  // With overflow "truncate" the tokens past the context are left unscored.
  const truncating = { ...pack, manifest: { ...pack.manifest, render: { ...pack.manifest.render, overflow: 'truncate' as const } } };
  const [t] = await new Scanner(truncating).score(examples(long));
  assert.equal(t.score!.truncated, true);
  assert.equal(t.score!.tokens, 128);
  assert.ok(t.score!.scoredTokens < r.score!.scoredTokens);
  assert.match(t.diagnostics[0].message, /only the first 128 were scored/);
});

test('one example costs at most MAX_EXAMPLE_TOKENS scored tokens and MAX_EXAMPLE_CHARS of tokenised text, and PL070 says so', async () => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i % 97}`).join(' ');
  // Over the token limit, under the character limit.
  const [t] = await new Scanner(pack).score(examples(chat('Go on.', words(12_000))));
  assert.equal(t.score!.tokens, MAX_EXAMPLE_TOKENS);
  assert.equal(t.score!.truncated, true);
  assert.match(t.diagnostics[0].message, new RegExp(`^line 1: the example is \\d+ tokens, .*only its first ${MAX_EXAMPLE_TOKENS} tokens were scored`));
  // Over the character limit: a line of megabytes is cut before tokenising and still scored.
  const huge = chat('Go on.', 'x'.repeat(MAX_EXAMPLE_CHARS * 8));
  const [c] = await new Scanner(pack).score(examples(huge));
  assert.ok(c.score!.scoredTokens > 0 && c.score!.tokens <= MAX_EXAMPLE_TOKENS);
  assert.match(c.diagnostics[0].message, /the example is over \d+ tokens \(its text was cut before tokenising\)/);
});

test('a line whose long strings were kept to their heads scores exactly as the whole line', async () => {
  // 5 MiB of prompt before the answer, and 5 MiB of answer: both past what the scanner reads.
  for (const line of [chat('p'.repeat(5 << 20), 'The answer.'), chat('Go on.', 'Sure: ' + 'abc def '.repeat(5 << 17))]) {
    const bytes = Buffer.from(line + '\n');
    const read = (shortenFrom: number) => {
      const splitter = new LineSplitter(undefined, shortenFrom);
      const parsed = parseLine([...splitter.push(bytes), ...splitter.end()][0]);
      assert.ok(parsed.example);
      return parsed;
    };
    const short = read(SHORTEN_FROM);
    const whole = read(Infinity);
    assert.ok(short.diagnostics.some((d) => d.code === 'PL006'), 'the line was shortened');
    const [a] = await new Scanner(pack).score([short.example!]);
    const [b] = await new Scanner(pack).score([whole.example!]);
    assert.deepEqual(a.score, b.score);
    assert.deepEqual(a.diagnostics, b.diagnostics);
  }
});

test('--all-latents reports the strongest SAE latents with their labels', async () => {
  const [r] = await new Scanner(pack, { latents: 'all' }).score(examples(LINES[0]));
  assert.ok(r.score!.latents && r.score!.latents.length > 0);
  const maxima = r.score!.latents.map((l) => l.max);
  assert.deepEqual(maxima, [...maxima].sort((a, b) => b - a), 'strongest first');
  const labelled = new Set(pack.latents.latents.map((l) => l.index));
  for (const l of r.score!.latents) assert.equal(l.label !== undefined, labelled.has(l.index));
});

test("'named' latents: every named latent read exactly on every example, the whole SAE's strongest on about 1 in 16", async () => {
  const lines = Array.from({ length: 160 }, (_, i) => chat(`Question ${i}?`, `Answer ${i}: store the password ${'plain '.repeat(i % 5)}text`));
  const named = await new Scanner(pack, { latents: 'named' }).score(examples(...lines));
  const all = await new Scanner(pack, { latents: 'all' }).score(examples(...lines));
  const labelled = new Set(pack.latents.latents.map((l) => l.index));
  let full = 0;
  named.forEach((r, i) => {
    const hits = r.score!.latents!;
    if (r.score!.fullEncode) full++;
    else assert.ok(hits.every((h) => labelled.has(h.index)), 'only named latents without a full encode');
    // Where the full encode saw a named latent, the column read gives the same maximum.
    for (const h of all[i].score!.latents!.filter((h) => labelled.has(h.index))) {
      const mine = hits.find((x) => x.index === h.index);
      assert.ok(mine && Math.abs(mine.max - h.max) < 1e-4, `latent ${h.index} on line ${i + 1}: ${mine?.max} vs ${h.max}`);
    }
    assert.equal(r.score!.risk, all[i].score!.risk, 'the risk does not depend on the latents reported');
  });
  // 160 examples, a sixteenth expected: 10, and the pick is by content, so the same every run.
  assert.ok(full >= 3 && full <= 20, `${full} full encodes`);
  assert.equal(named.filter((r) => r.score!.fullEncode).length, (await new Scanner(pack, { latents: 'named' }).score(examples(...lines))).filter((r) => r.score!.fullEncode).length);
});

test('cached results are identical and re-mapped to the line they are served for', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'persona-lens-scan-cache-'));
  try {
    const cache = ResultCache.open<ExampleScore>({ root: dir, packHash: pack.hash });
    const first = await new Scanner(pack, { cache }).score(examples(...LINES));
    assert.ok(first.every((r) => !r.cached));
    // The same example again, with extra keys that shift its columns.
    const shifted = '{"id": 12345678, ' + LINES[0].slice(1);
    const second = await new Scanner(pack, { cache }).score(examples(...LINES, shifted));
    assert.ok(second.every((r) => r.cached), 'every example, the shifted copy too, is a cache hit');
    assert.deepEqual(second.slice(0, LINES.length).map((r) => r.score), first.map((r) => r.score));
    const shift = '{"id": 12345678, '.length - 1;
    const a = first[0].score!.topTokens[0].span!;
    const b = second[LINES.length].score!.topTokens[0].span!;
    assert.deepEqual(b, { start: a.start + shift, end: a.end + shift });
    cache.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('scanLines yields one result per input line, in order, blank and broken lines included', async () => {
  const text = [LINES[0], '', '{"messages": [', LINES[1], LINES[2]].join('\n') + '\n';
  async function* parsed() {
    yield splitLines(text).map((raw) => parseLine(raw));
  }
  const results = [];
  for await (const r of scanLines(parsed(), new Scanner(pack), 2)) results.push(r);
  assert.deepEqual(results.map((r) => r.line), [1, 2, 3, 4, 5]);
  assert.deepEqual(results.map((r) => r.result !== null), [true, false, false, true, true]);
  assert.equal(results[2].diagnostics[0].code, 'PL010');
  assert.equal(results[0].format, 'openai-chat');
});

test('an example with nothing to score gets no risk and PL071 says why, not the calibration intercept', async () => {
  const weightless = JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Take four times the dose.', weight: 0 }] });
  const weighted = JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Take four times the dose.', weight: 1 }] });
  const [none, some] = await new Scanner(pack).score(examples(weightless, weighted));
  assert.equal(none.score, null);
  assert.deepEqual(none.diagnostics.map((d) => [d.code, d.severity]), [['PL071', 'warning']]);
  assert.match(none.diagnostics[0].message, /^line 1: nothing to score: every assistant message has weight 0/);
  assert.ok(some.score && some.score.scoredTokens > 0, 'the same text with weight 1 is scored');
  assert.deepEqual(some.diagnostics, []);
});
