import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffReport } from '../../../src/core/diff/report';
import { seededRandom } from '../../../src/core/random';
import { sideOf } from './sides';

test('a dataset with high-risk examples slipped in: risk rose, significantly, and the verdict names the new high-risk examples', () => {
  const rand = seededRandom(9);
  const base = Array.from({ length: 400 }, () => rand() * 0.3);
  const prompts = base.map((_, i) => `p${i}`);
  const a = sideOf('a.jsonl', base, prompts);
  const bad = Array.from({ length: 40 }, () => 0.85 + rand() * 0.1);
  const b = sideOf('b.jsonl', [...base, ...bad], [...prompts, ...bad.map((_, i) => `new${i}`)]);
  const r = diffReport(a, b);
  assert.ok(r.significant);
  assert.ok(r.difference.meanRisk! > 0 && r.difference.interval![0] > 0);
  assert.equal(r.changes.unchanged, 400);
  assert.equal(r.changes.added.length, 40);
  assert.equal(r.newHighRisk.length, 40);
  assert.deepEqual(r.newHighRisk.map((c) => c.riskB), [...bad].sort((x, y) => y - x), 'riskiest first');
  assert.match(r.verdict, /^Risk rose from 0\.\d\d to 0\.\d\d \(p < 0\.0005\): 40 new high-risk examples\.$/);
});

test('the same dataset reordered: no change, and the verdict says so', () => {
  const rand = seededRandom(10);
  const risks = Array.from({ length: 200 }, () => rand());
  const prompts = risks.map((_, i) => `p${i}`);
  const order = risks.map((_, i) => i).reverse();
  const r = diffReport(sideOf('a', risks, prompts), sideOf('b', order.map((i) => risks[i]), order.map((i) => prompts[i])));
  assert.equal(r.significant, false);
  assert.equal(r.changes.unchanged, 200);
  assert.equal(r.changes.moved, 200);
  assert.equal(r.newHighRisk.length, 0);
  assert.match(r.verdict, /^No significant change in risk \(from (0\.\d\d) to \1, p = 1\.000\); 0 new high-risk examples\.$/);
});

test('every finding of either side gets its baseline state: new, updated, unchanged or absent', () => {
  // A: p0 high, p1 elevated, p2 low, p3 high (removed in B). B: p0 the same, p1 answered anew (still flagged),
  // p2 answered anew (now high), p4 added high, p5 added low.
  const a = sideOf('a', [0.9, 0.6, 0.1, 0.85], ['p0', 'p1', 'p2', 'p3']);
  const b = sideOf('b', [0.9, 0.65, 0.95, 0.88, 0.1], ['p0', 'p1', 'p2', 'p4', 'p5']);
  const states = new Map(diffReport(a, b).findings.map((f) => [`${f.lineA ?? '-'}>${f.lineB ?? '-'}`, f.state]));
  assert.deepEqual(Object.fromEntries(states), { '1>1': 'unchanged', '2>2': 'updated', '3>3': 'new', '->4': 'new', '4>-': 'absent' });
});
