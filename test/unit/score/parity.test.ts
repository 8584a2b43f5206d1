// Logic kept in both the Python pack builder and this scanner (rendering, windows,
// aggregation, prompt ends, naming), tied by one fixture that both suites assert:
// test/fixtures/pipeline-parity.json, also read by tools/pack-builder/tests/test_parity.py.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderExample } from '../../../src/core/dataset/render';
import type { Example, Role } from '../../../src/core/dataset/types';
import type { Aggregation, RenderConfig } from '../../../src/core/pack/types';
import { planWindows } from '../../../src/core/score/batching';
import { aggregate, exampleScore, promptEnds } from '../../../src/core/score/calibrate';
import { namedBy } from '../../../src/core/score/naming';

interface Fixture {
  render: { config: RenderConfig; cases: Array<{ messages: Array<{ role: Role; content: string }>; text: string; scoredSpans: number[][] }> };
  windows: Array<{ n: number; max: number; windows: number[][] }>;
  aggregate: Array<{ values: number[]; aggregation: Aggregation; score: number }>;
  promptEnds: Array<{ scored: number[]; promptEnds: number[] }>;
  exampleScore: Array<{ values: number[]; aggregation: Aggregation; promptEnd: number[]; score: number }>;
  namedBy: Array<{ parts: number[]; thresholds: number[]; named: number }>;
}
const FIXTURE: Fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/pipeline-parity.json'), 'utf8'));

test('examples render to the pack builder’s text, with the same scored spans', () => {
  for (const c of FIXTURE.render.cases) {
    const example: Example = {
      line: 1,
      format: 'openai-chat',
      messages: c.messages.map((m) => ({ ...m, source: null, trained: true })),
    };
    const r = renderExample(example, FIXTURE.render.config);
    assert.equal(r.text, c.text);
    const spans = r.segments.filter((s) => s.scored).map((s) => [s.start, s.end]);
    // An empty message has no segment here and an empty span there: compare the non-empty ones.
    assert.deepEqual(spans, c.scoredSpans.filter(([s, e]) => e > s));
  }
});

test('long examples get the pack builder’s windows', () => {
  for (const c of FIXTURE.windows) {
    assert.deepEqual(planWindows(c.n, c.max, 'window').map((w) => [w.start, w.end]), c.windows, `n ${c.n}, max ${c.max}`);
  }
});

test('token scores aggregate as in the pack builder', () => {
  for (const c of FIXTURE.aggregate) assert.equal(aggregate(c.values, c.aggregation), c.score, JSON.stringify(c));
});

test('prompt ends (the token before each run of scored tokens) are the pack builder’s', () => {
  for (const c of FIXTURE.promptEnds) assert.deepEqual(promptEnds(c.scored), c.promptEnds, JSON.stringify(c));
});

test('an example’s score adds the mean prompt-end read-out to the aggregation, as in the pack builder', () => {
  for (const c of FIXTURE.exampleScore) assert.equal(exampleScore(c.values, c.aggregation, c.promptEnd), c.score, JSON.stringify(c));
});

test('the term that names an example is the pack builder’s', () => {
  for (const c of FIXTURE.namedBy) assert.equal(namedBy(c.parts, c.thresholds.map((threshold) => ({ threshold }))), c.named, JSON.stringify(c));
});
