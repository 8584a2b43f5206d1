import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeName } from '../../../src/core/export/freeName';

test('picks data.selected.jsonl, then data.selected-2.jsonl, … skipping taken names', () => {
  const taken = new Set<string>();
  const next = () => {
    const name = freeName('/d/data.jsonl', 'selected', (c) => taken.has(c));
    taken.add(name);
    return name;
  };
  assert.equal(next(), '/d/data.selected.jsonl');
  assert.equal(next(), '/d/data.selected-2.jsonl');
  taken.add('/d/data.selected-4.jsonl');
  assert.equal(next(), '/d/data.selected-3.jsonl');
  assert.equal(next(), '/d/data.selected-5.jsonl');
});

test('keeps other extensions, and names without one', () => {
  assert.equal(freeName('/d/a.b.ndjson', 'flagged', () => false), '/d/a.b.flagged.ndjson');
  assert.equal(freeName('/d/data', 'selected', () => false), '/d/data.selected');
});
