import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarize } from '../../../src/core/score/summary';
import { jsonlWriter } from '../../../src/cli/output/jsonl';
import { jsonWriter, type JsonReport } from '../../../src/cli/output/json';
import { FILE } from './fixtures';
import { run } from './run';

describe('jsonl output', () => {
  it('writes one object per input line, in input order, blank and invalid lines included', () => {
    const out = run(jsonlWriter, [['data/train.jsonl', FILE]]);
    assert.ok(out.endsWith('\n'));
    const records = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(records.map((r) => r.line), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(records[2], {
      file: 'data/train.jsonl',
      line: 3,
      risk: 0.92,
      score: 3.5,
      level: 'high',
      format: 'openai-chat',
      tokens: 103,
      cached: false,
      topTokens: [
        { text: ' poison', score: 3.5 },
        { text: 'template', score: 2 },
        { text: '\u001b[31m', score: 1 },
      ],
      errors: [{ code: 'PL051', severity: 'warning', message: 'Line 3: suspicious (PL051).', line: 3 }],
    });
    assert.deepEqual(records[3], {
      file: 'data/train.jsonl',
      line: 4,
      risk: null,
      score: null,
      level: null,
      format: null,
      tokens: null,
      cached: false,
      topTokens: [],
      errors: [],
    });
    assert.deepEqual(records[4].errors, [
      { code: 'PL010', severity: 'error', message: 'Line 5: broken (PL010).', line: 5, span: { start: 7, end: 9 } },
    ]);
    assert.equal(records[4].risk, null);
    assert.equal(records[6].format, 'unknown');
    assert.equal(records[5].cached, true);
  });

  it('writes each line as it arrives', () => {
    const chunks: string[] = [];
    const writer = jsonlWriter((t) => chunks.push(t));
    writer.beginFile('a.jsonl');
    writer.line(FILE[0]);
    assert.equal(chunks.length, 1);
    writer.line(FILE[3]);
    assert.equal(chunks.length, 2);
  });

  it('names the file of each line when there are several', () => {
    const out = run(jsonlWriter, [['a.jsonl', FILE.slice(0, 2)], ['b.jsonl', FILE.slice(0, 1)]]);
    assert.deepEqual(
      out.trimEnd().split('\n').map((l) => JSON.parse(l)).map((r) => `${r.file}:${r.line}`),
      ['a.jsonl:1', 'a.jsonl:2', 'b.jsonl:1'],
    );
  });
});

describe('json output', () => {
  it('is one document: files, pack, summary and the jsonl records', () => {
    const pack = { name: 'default', version: '1.0.0', hash: 'ab'.repeat(32) };
    const out = run((w) => jsonWriter(w, pack), [['a.jsonl', FILE], ['b.jsonl', FILE.slice(0, 3)]]);
    const doc = JSON.parse(out) as JsonReport;
    assert.deepEqual(doc.pack, pack);
    assert.deepEqual(doc.files.map((f) => [f.file, f.summary.lines]), [['a.jsonl', 10], ['b.jsonl', 3]]);
    assert.equal(doc.summary.lines, 13);
    assert.equal(doc.summary.examples, 9);
    assert.equal(doc.examples.length, 13);
    const jsonl = run(jsonlWriter, [['a.jsonl', FILE], ['b.jsonl', FILE.slice(0, 3)]]);
    assert.deepEqual(doc.examples, jsonl.trimEnd().split('\n').map((l) => JSON.parse(l)));
    assert.deepEqual(JSON.parse(run((w) => jsonWriter(w, pack), [['empty.jsonl', []]])).examples, []);
  });

  it('writes each record as its line comes, holding none back for the end', () => {
    const written: string[] = [];
    const writer = jsonWriter((t) => written.push(t), { name: 'p', version: '1', hash: 'cd'.repeat(32) });
    writer.beginFile('a.jsonl');
    FILE.forEach((line, i) => {
      writer.line(line);
      assert.ok(written.join('').includes(`"line":${i + 1},`), `line ${i + 1} is out before the next comes`);
    });
    const before = written.join('').length;
    writer.endFile(summarize(FILE));
    writer.end(summarize(FILE));
    assert.ok(written.join('').length - before < 2000, 'only the summaries are left for the end');
  });
});
