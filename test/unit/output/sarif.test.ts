import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sarifWriter } from '../../../src/cli/output/sarif';
import { summarize } from '../../../src/core/score/summary';
import { FILE, invalid } from './fixtures';
import { run } from './run';
import { sarifProblems, type Json } from '../../fixtures/sarif';

function sarif(files: Array<[string, typeof FILE]>, cwd = '/work/proj'): Json {
  const out = run((w) => sarifWriter(w, { toolVersion: '0.1.0', informationUri: 'https://example.org/persona-lens', cwd }), files);
  return JSON.parse(out);
}

describe('sarif output', () => {
  it('is structurally valid SARIF 2.1.0', () => {
    const log = sarif([['data/train.jsonl', FILE], ['/work/proj/more data.jsonl', FILE.slice(0, 3)]]);
    assert.deepEqual(sarifProblems(log), []);
    assert.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
    assert.equal(log.runs.length, 1);
    assert.deepEqual(log.runs[0].tool.driver.name, 'persona-lens');
    assert.deepEqual(log.runs[0].tool.driver.version, '0.1.0');
  });

  it('the validator catches what it claims to', () => {
    const log = sarif([['a.jsonl', FILE]]);
    log.runs[0].results[0].ruleId = 'NOPE';
    log.runs[0].results[1].locations[0].physicalLocation.region.startColumn = 0;
    delete log.runs[0].results[2].message.text;
    assert.equal(sarifProblems(log).length, 3);
  });

  it('writes each result as its line comes, so a scan with millions of findings is never held', () => {
    const written: string[] = [];
    const writer = sarifWriter((t) => written.push(t), { toolVersion: '1.0.0', informationUri: 'https://example.org', cwd: '/data' });
    writer.beginFile('/data/a.jsonl');
    for (let i = 1; i <= 3; i++) {
      writer.line(invalid(i, 'PL010'));
      assert.equal(written.join('').split('"ruleId":"PL010"').length - 1, i, `line ${i}'s result is out before the next line`);
    }
    writer.endFile(summarize([]));
    writer.end(summarize([]));
    const log = JSON.parse(written.join(''));
    assert.deepEqual(sarifProblems(log), []);
    assert.equal(log.runs[0].results.length, 3);
  });

  it('defines a rule for every code used, plus the two risk rules', () => {
    const rules = sarif([['a.jsonl', [...FILE, invalid(11, 'PL999')]]]).runs[0].tool.driver.rules;
    assert.deepEqual(
      rules.map((r: Json) => [r.id, r.name]),
      [
        ['PLR001', 'elevated-risk'],
        ['PLR002', 'high-risk'],
        ['PL051', 'consecutive-same-role'],
        ['PL010', 'json-syntax'],
        ['PL026', 'non-text-content'],
        ['PL012', 'unknown-format'],
        ['PL999', 'PL999'],
      ],
    );
    assert.match(rules[3].shortDescription.text, /not valid JSON/);
    assert.equal(rules[6].shortDescription.text, 'Dataset diagnostic PL999.');
  });

  it('reports diagnostics at their severity and risky examples as note (elevated) or warning (high)', () => {
    const results = sarif([['data/train.jsonl', FILE]]).runs[0].results;
    const brief = results.map((r: Json) => {
      const { startLine, startColumn, endColumn } = r.locations[0].physicalLocation.region;
      return [r.ruleId, r.level, startLine, startColumn, endColumn];
    });
    assert.deepEqual(brief, [
      ['PLR001', 'note', 2, 42, 48],
      ['PL051', 'warning', 3, undefined, undefined],
      ['PLR002', 'warning', 3, 42, 48],
      ['PL010', 'error', 5, 8, 10], // span 7..9 (0-based, end exclusive) -> columns 8..10 (1-based, end exclusive)
      ['PL026', 'note', 6, undefined, undefined],
      ['PL012', 'error', 7, undefined, undefined],
      ['PLR002', 'warning', 9, 42, 48],
    ]);
    assert.deepEqual(results[2].properties, { risk: 0.92, score: 3.5 });
    assert.deepEqual(results[3].properties, { risk: null, score: null });
    assert.match(results[2].message.text, /^High misaligned-persona risk 0\.920 \(score 3\.500\); strongest tokens: " poison", "template"/);
  });

  it('gives every file an artifact, relative to the cwd where it can be', () => {
    const run0 = sarif([
      ['data/train.jsonl', FILE.slice(0, 2)],
      ['/work/proj/more data.jsonl', FILE.slice(0, 2)],
      ['../elsewhere/x.jsonl', FILE.slice(0, 2)],
    ]).runs[0];
    assert.deepEqual(run0.originalUriBaseIds, { '%SRCROOT%': { uri: 'file:///work/proj/' } });
    assert.deepEqual(
      run0.artifacts.map((a: Json) => a.location),
      [
        { uri: 'data/train.jsonl', uriBaseId: '%SRCROOT%', index: 0 },
        { uri: 'more%20data.jsonl', uriBaseId: '%SRCROOT%', index: 1 },
        { uri: 'file:///work/elsewhere/x.jsonl', index: 2 },
      ],
    );
    assert.deepEqual(
      run0.results.map((r: Json) => r.locations[0].physicalLocation.artifactLocation.index),
      [0, 1, 2],
    );
  });
});
