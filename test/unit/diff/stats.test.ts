import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapDifference, bootstrapMean, permutationP } from '../../../src/core/diff/stats';
import { seededRandom } from '../../../src/core/random';

const sample = (n: number, rand: () => number, shift = 0) => Array.from({ length: n }, () => Math.min(1, Math.max(0, rand() * 0.5 + shift)));
const sd = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

test('the bootstrap interval of a mean matches the normal approximation on a large sample', () => {
  const xs = sample(4000, seededRandom(1));
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const half = 1.96 * (sd(xs) / Math.sqrt(xs.length));
  const [lo, hi] = bootstrapMean(xs, 4000, seededRandom(2));
  assert.ok(Math.abs(lo - (m - half)) < 0.15 * half, `lo ${lo} vs ${m - half}`);
  assert.ok(Math.abs(hi - (m + half)) < 0.15 * half, `hi ${hi} vs ${m + half}`);
});

test('the bootstrap interval of a difference matches the normal approximation and covers the true shift', () => {
  const rand = seededRandom(3);
  const a = sample(3000, rand);
  const b = sample(2000, rand, 0.05);
  const half = 1.96 * Math.sqrt(sd(a) ** 2 / a.length + sd(b) ** 2 / b.length);
  const diff = b.reduce((x, y) => x + y, 0) / b.length - a.reduce((x, y) => x + y, 0) / a.length;
  const [lo, hi] = bootstrapDifference(a, b, 4000, seededRandom(4));
  assert.ok(Math.abs(lo - (diff - half)) < 0.15 * half && Math.abs(hi - (diff + half)) < 0.15 * half, `[${lo}, ${hi}] vs ${diff} ± ${half}`);
  assert.ok(lo < 0.05 && hi > 0.05 - 0.02);
});

/** The exact two-sided permutation p-value, by enumerating every split of the pool. */
function exactP(a: number[], b: number[]): number {
  const pool = [...a, ...b];
  const observed = Math.abs(b.reduce((x, y) => x + y, 0) / b.length - a.reduce((x, y) => x + y, 0) / a.length);
  let extreme = 0;
  let total = 0;
  const pick = (start: number, left: number, sumB: number, sumAll: number): void => {
    if (left === 0) {
      total++;
      const sumA = pool.reduce((x, y) => x + y, 0) - sumB;
      if (Math.abs(sumB / b.length - sumA / a.length) >= observed - 1e-12) extreme++;
      return;
    }
    for (let i = start; i <= pool.length - left; i++) pick(i + 1, left - 1, sumB + pool[i], sumAll);
  };
  pick(0, b.length, 0, 0);
  return extreme / total;
}

test('the permutation p-value agrees with the exact one on small samples', () => {
  const cases: Array<[number[], number[]]> = [
    [[0.1, 0.2, 0.15, 0.3, 0.05, 0.12], [0.6, 0.7, 0.4, 0.8, 0.55]],
    [[0.1, 0.2, 0.15, 0.3, 0.05, 0.12], [0.12, 0.25, 0.1, 0.2, 0.18]],
    [[0.5, 0.1, 0.9, 0.3], [0.2, 0.8, 0.4, 0.6, 0.7, 0.1]],
  ];
  for (const [a, b] of cases) {
    const exact = exactP(a, b);
    const p = permutationP(a, b, 20000, seededRandom(5));
    assert.ok(Math.abs(p - exact) < 0.01 + 0.05 * exact, `p ${p} vs exact ${exact}`);
  }
});

test('under no difference, p < 0.05 comes about one time in twenty', () => {
  const rand = seededRandom(6);
  let rejections = 0;
  for (let t = 0; t < 200; t++) if (permutationP(sample(60, rand), sample(60, rand), 400, rand) < 0.05) rejections++;
  assert.ok(rejections >= 2 && rejections <= 22, `${rejections} of 200`);
});

test('on large samples (over 20,000 a side) the closed forms give the normal interval and test', () => {
  const rand = seededRandom(7);
  const a = sample(30_000, rand);
  const b = sample(30_000, rand, 0.004);
  const m = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  // The interval of a mean: the normal one, within the noise of 2,000 draws.
  const half = 1.96 * (sd(a) / Math.sqrt(a.length));
  const [lo, hi] = bootstrapMean(a, 2000, seededRandom(8));
  assert.ok(Math.abs(lo - (m(a) - half)) < 0.1 * half && Math.abs(hi - (m(a) + half)) < 0.1 * half, `[${lo}, ${hi}] vs ${m(a)} ± ${half}`);
  // The permutation test: a shift of 0.004 with sd 0.144 and 30,000 a side is z = 3.4, p = 0.0007.
  const z = (m(b) - m(a)) / Math.sqrt(sd([...a, ...b]) ** 2 * (2 / 30_000));
  const p = permutationP(a, b, 2000, seededRandom(9));
  assert.ok(z > 2.5, `z ${z}`);
  assert.ok(p < 0.02 && p >= 1 / 2001, `p ${p} for z ${z}`);
  const same = permutationP(a, sample(30_000, rand), 2000, seededRandom(10));
  assert.ok(same > 0.01, `no shift: p ${same}`);
});
