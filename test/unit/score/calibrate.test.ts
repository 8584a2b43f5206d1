import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregate, levelOf, toRisk } from '../../../src/core/score/calibrate';

test('aggregations over token read-outs', () => {
  const v = [0.5, 3, -1, 2];
  assert.equal(aggregate(v, { method: 'max' }), 3);
  assert.equal(aggregate(v, { method: 'mean' }), 1.125);
  assert.equal(aggregate(v, { method: 'topk-mean', k: 2 }), 2.5);
  assert.equal(aggregate(v, { method: 'topk-mean', k: 10 }), 1.125, 'k is clipped to the token count');
  assert.equal(aggregate([], { method: 'max' }), 0, 'no scored tokens scores 0');
});

test('logistic mapping', () => {
  const m = { type: 'logistic' as const, slope: 2, intercept: -4 };
  assert.equal(toRisk(2, m), 0.5);
  assert.ok(Math.abs(toRisk(4, m) - 1 / (1 + Math.exp(-4))) < 1e-12);
  assert.ok(toRisk(-100, m) < 1e-6 && toRisk(100, m) > 1 - 1e-6);
});

test('piecewise mapping interpolates and clamps', () => {
  const m = { type: 'piecewise' as const, x: [0, 1, 3], y: [0, 0.2, 1] };
  assert.equal(toRisk(-5, m), 0);
  assert.equal(toRisk(0.5, m), 0.1);
  assert.ok(Math.abs(toRisk(2, m) - 0.6) < 1e-12);
  assert.equal(toRisk(9, m), 1);
});

test('levels at and above the thresholds', () => {
  const t = { elevated: 0.5, high: 0.8 };
  assert.equal(levelOf(0.49, t), 'low');
  assert.equal(levelOf(0.5, t), 'elevated');
  assert.equal(levelOf(0.8, t), 'high');
});
