import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluatePack } from '../../src/core/evaluate';
import { seededRandom } from '../../src/core/random';

test('contamination: clearly separated classes are told apart from a few per cent on, by mean risk and by the alarm', () => {
  const rand = seededRandom(5);
  const neg = Array.from({ length: 600 }, () => 0.5 * rand());
  const pos = Array.from({ length: 200 }, () => 0.9 + 0.1 * rand());
  const e = evaluatePack(
    [
      { file: 'bad.jsonl', positive: true, risks: pos, levels: pos.map(() => 'high') },
      { file: 'good.jsonl', positive: false, risks: neg, levels: neg.map(() => 'low') },
    ],
    { mixDraws: 100, alarmDraws: 200, draws: 200 },
  );
  assert.equal(e.auroc, 1);
  assert.deepEqual(e.flagged, { positive: 1, negative: 0 });
  const rows = e.contamination!.rows;
  // One per cent is two examples of 200: not enough for the mean; five per cent (ten) is.
  assert.ok(rows[0].meanRiskAuroc < 0.95, JSON.stringify(rows[0]));
  assert.equal(e.contamination!.smallestByMean, 0.05);
  // The alarm, calibrated for 1% false alarms against a clean dataset of only 200, needs a little more.
  assert.ok(rows[2].alarmRate >= 0.8 && rows[0].alarmRate < 0.5, JSON.stringify(rows));
  assert.equal(e.contamination!.smallestByAlarm, 0.1);
  // Calibration: the top tenth holds every positive and nothing else.
  assert.deepEqual([e.calibration[9].examples, e.calibration[9].positiveShare], [200, 1]);
  assert.deepEqual(e.files.map((f) => f.file), ['bad.jsonl', 'good.jsonl']);
});
