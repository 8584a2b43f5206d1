import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY_REVIEWS, lineKey, parseReviews, serializeReviews, sidecarPath, withDecisions } from '../../../src/core/review/reviewFile';

const A = lineKey('{"prompt": "a"}');
const B = lineKey('{"prompt": "b"}');

test('keys are the sha256 of the line text; the sidecar sits beside the dataset', () => {
  assert.equal(lineKey(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.notEqual(A, B);
  assert.equal(sidecarPath('/d/data.jsonl'), '/d/data.jsonl.persona-lens.json');
});

test('set, replace and clear decisions without touching the input; a note survives a new decision', () => {
  const one = withDecisions(EMPTY_REVIEWS, [[A, { decision: 'reviewed', line: 3, note: 'ok by legal' }]]);
  const two = withDecisions(one, [[A, { decision: 'suppressed', line: 4, by: 'ana', at: '2025-01-01T00:00:00.000Z' }]]);
  assert.deepEqual(EMPTY_REVIEWS.decisions, {});
  assert.deepEqual(one.decisions[A], { decision: 'reviewed', line: 3, note: 'ok by legal' });
  assert.deepEqual(two.decisions[A], { decision: 'suppressed', line: 4, by: 'ana', at: '2025-01-01T00:00:00.000Z', note: 'ok by legal' });
  assert.deepEqual(withDecisions(two, [[A, null]]).decisions, {});
  assert.deepEqual(withDecisions(two, [[B, null]]), two, 'clearing an undecided example changes nothing');
});

test('saved text is versioned, sorted by key and reads back the same', () => {
  const file = withDecisions(EMPTY_REVIEWS, [
    [B, { decision: 'suppressed', line: 9 }],
    [A, { decision: 'reviewed', line: 2 }],
  ]);
  const text = serializeReviews(file);
  assert.ok(text.endsWith('}\n'));
  assert.deepEqual(Object.keys(JSON.parse(text).decisions), [A, B].sort());
  assert.equal(JSON.parse(text).version, 1);
  assert.deepEqual(parseReviews(text), file);
});

test('a damaged sidecar is refused, saying why', () => {
  const entry = (e: object) => JSON.stringify({ version: 1, decisions: { [A]: e } });
  for (const [text, why] of [
    ['{"version": 1, "decisions": {', /JSON/],
    ['[]', /not a JSON object/],
    ['{"version": 2, "decisions": {}}', /unsupported version 2/],
    ['{"version": 1}', /"decisions"/],
    [JSON.stringify({ version: 1, decisions: { abc: { decision: 'reviewed', line: 1 } } }), /not a sha256/],
    [entry({ decision: 'ignored', line: 1 }), /"decision" must be/],
    [entry({ decision: 'reviewed', line: 0 }), /"line" must be/],
    [entry({ decision: 'reviewed', line: 1, note: 5 }), /"note" must be a string/],
  ] as const) {
    assert.throws(() => parseReviews(text), why, text);
  }
});
