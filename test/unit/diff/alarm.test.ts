import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FALSE_ALARM_RATE, contaminationAlarm } from '../../../src/core/diff/alarm';
import { seededRandom } from '../../../src/core/random';

/** Risks of clean examples: mostly low, a long tail (the square of a uniform, times 0.8). */
const clean = (n: number, rand: () => number) => Array.from({ length: n }, () => 0.8 * rand() ** 2);
/** EM-inducing examples: high risk. */
const bad = (n: number, rand: () => number) => Array.from({ length: n }, () => 0.85 + 0.15 * rand());

test('on clean data the alarm fires in at most about 1% of comparisons', () => {
  const rand = seededRandom(11);
  let fired = 0;
  const trials = 300;
  for (let t = 0; t < trials; t++) if (contaminationAlarm(clean(400, rand), clean(300, rand), 400, t)!.fired) fired++;
  // Binomial(300, 0.01): 3 expected, 8 or more has probability under 1%.
  assert.ok(fired <= 7, `fired ${fired} times of ${trials}`);
});

test('5% contamination raises it nearly every time; 0% leaves it quiet', () => {
  const rand = seededRandom(12);
  let fired = 0;
  const trials = 40;
  for (let t = 0; t < trials; t++) {
    const b = [...clean(285, rand), ...bad(15, rand)];
    if (contaminationAlarm(clean(400, rand), b, 400, t)!.fired) fired++;
  }
  assert.ok(fired >= 38, `fired ${fired} of ${trials}`);
  const quiet = contaminationAlarm(clean(400, rand), clean(300, rand), 400, 1)!;
  assert.equal(quiet.fired, false);
  assert.ok(quiet.p > FALSE_ALARM_RATE);
});

test('the threshold is the binomial 99th percentile when A is large enough to fix its cut', () => {
  const rand = seededRandom(13);
  const a = Array.from({ length: 20_000 }, () => rand());
  const nB = 500;
  const alarm = contaminationAlarm(a, Array.from({ length: nB }, () => rand()), 1000, 3)!;
  // Independent computation: the count above a fixed 99th percentile is Binomial(nB, 0.01).
  let cdf = 0;
  let k = 0;
  for (let pk = (1 - 0.01) ** nB; ; k++) {
    cdf += pk;
    if (cdf >= 0.99) break;
    pk *= ((nB - k) / (k + 1)) * (0.01 / 0.99);
  }
  assert.ok(Math.abs(alarm.threshold - k / nB) <= 2 / nB, `threshold ${alarm.threshold}, binomial ${k / nB}`);
  assert.ok(Math.abs(alarm.cut - 0.99) < 0.005, `cut ${alarm.cut}`);
});

test('no alarm without scored examples on both sides', () => {
  assert.equal(contaminationAlarm([], [0.5]), null);
  assert.equal(contaminationAlarm([0.5], []), null);
});
