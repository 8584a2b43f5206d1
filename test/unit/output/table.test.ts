import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { histogramBar, tableWriter, useColor } from '../../../src/cli/output/table';
import { FILE, scored } from './fixtures';
import { run } from './run';

describe('table output', () => {
  it('shows the counts, dataset risk, histogram, riskiest lines and diagnostics', () => {
    const out = run((w) => tableWriter(w, { color: false }), [['data/train.jsonl', FILE]]);
    assert.equal(
      out,
      [
        'data/train.jsonl',
        '  lines 10 · examples 6 · invalid 2 · blank 2 · errors 2 · warnings 1',
        '  formats: openai-chat 5 · prompt-completion 1 · unknown 1',
        '  risk levels: low 3 · elevated 1 · high 2',
        '  dataset risk 0.470 (mean) · p95 1.000 · max 1.000',
        '  histogram 0 ▕▄▄ ▄▄    █▏ 1',
        '  riskiest lines:',
        '     line   risk  level     strongest tokens',
        '        9  1.000  high      " poison", "template", "\\u001b[31m"',
        '        3  0.920  high      " poison", "template", "\\u001b[31m"',
        '        2  0.450  elevated  " poison", "template", "\\u001b[31m"',
        '       10  0.300  low       " poison", "template", "\\u001b[31m"',
        '        6  0.100  low       " poison", "template", "\\u001b[31m"',
        '        1  0.050  low       " poison", "template", "\\u001b[31m"',
        '  diagnostics: PL010 json-syntax ×1 · PL012 unknown-format ×1 · PL026 non-text-content ×1 · PL051 consecutive-same-role ×1',
        '  first problems:',
        // Errors before warnings, each in line order; the info diagnostic (PL026) is counted, not listed.
        '    PL010 Line 5: broken (PL010).',
        '    PL012 Line 7: broken (PL012).',
        '    PL051 Line 3: suspicious (PL051).',
        '',
        '',
      ].join('\n'),
    );
  });

  it('lists only the ten riskiest lines, earlier lines first among equals', () => {
    const lines = Array.from({ length: 30 }, (_, i) => scored(i + 1, i % 3 === 0 ? 0.9 : 0.2, 'low'));
    const out = run((w) => tableWriter(w, { color: false }), [['a.jsonl', lines]]);
    const listed = out.split('\n').filter((l) => /^ +\d+ {2}0\.\d{3}/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
    assert.deepEqual(listed, [1, 4, 7, 10, 13, 16, 19, 22, 25, 28]);
  });

  it('adds totals after several files', () => {
    const out = run((w) => tableWriter(w, { color: false }), [['a.jsonl', FILE], ['b.jsonl', FILE.slice(0, 2)]]);
    assert.match(out, /all 2 files\n {2}lines 12 · examples 8 · invalid 2 · blank 2/);
    assert.doesNotMatch(run((w) => tableWriter(w, { color: false }), [['a.jsonl', FILE]]), /all 1 files/);
  });

  it('says so when nothing was scored', () => {
    const out = run((w) => tableWriter(w, { color: false }), [['empty.jsonl', []]]);
    assert.match(out, /dataset risk: n\/a \(no example scored\)/);
    assert.match(out, /histogram 0 ▕ {10}▏ 1/);
  });

  it('colours only when asked, and never lets token text drive the terminal', () => {
    const plain = run((w) => tableWriter(w, { color: false }), [['a.jsonl', FILE]]);
    assert.doesNotMatch(plain, /\x1b/);
    const coloured = run((w) => tableWriter(w, { color: true }), [['a.jsonl', FILE]]);
    assert.match(coloured, /\x1b\[31mhigh 2\x1b\[0m/);
    assert.match(coloured, /\\u001b\[31m/);
    assert.equal(coloured.replace(/\x1b\[\d+m/g, ''), plain);
  });

  it('uses colour for a terminal unless NO_COLOR is set', () => {
    assert.equal(useColor({ isTTY: true }, {}), true);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: '' }), true, 'an empty NO_COLOR does not count (no-color.org)');
    assert.equal(useColor({ isTTY: false }, {}), false);
    assert.equal(useColor({}, {}), false);
  });

  it('draws the histogram relative to its fullest decile', () => {
    assert.equal(histogramBar([8, 4, 1, 0, 0, 0, 0, 0, 0, 0]), '▕█▄▁       ▏');
  });
});
