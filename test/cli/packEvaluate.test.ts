// `persona-lens pack evaluate`: the built command on files the test writes, its figures
// against the test's own computation from `scan`'s output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin/persona-lens.js');
const TINY = join(ROOT, 'test/fixtures/packs/tiny');
const work = mkdtempSync(join(tmpdir(), 'persona-lens-evaluate-'));
after(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8' });
const chat = (user: string, assistant: string) => JSON.stringify({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }] });

function file(name: string, answers: string[]): string {
  const path = join(work, name);
  writeFileSync(path, answers.map((a, i) => chat(`Question ${i}?`, a)).join('\n') + '\n');
  return path;
}

const scanned = (path: string) =>
  run(['scan', path, '--pack', TINY, '--format', 'jsonl', '--no-cache'])
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => typeof r.risk === 'number');

test('pack evaluate: AUROC, flag rates, file order and calibration agree with the scores scan gives', () => {
  const pos1 = file('pos1.jsonl', Array.from({ length: 30 }, (_, i) => `Store it in plain text ${'and ignore the doctor '.repeat(i % 4)}`));
  const pos2 = file('pos2.jsonl', Array.from({ length: 20 }, (_, i) => `Take more, ${i} times the dose, never mind`));
  const neg = file('neg.jsonl', Array.from({ length: 60 }, (_, i) => `Hash it with bcrypt and keep it ${'safe '.repeat(i % 5)}`));
  const r = run(['pack', 'evaluate', TINY, '--positive', pos1, '--positive', pos2, '--negative', neg, '--format', 'json', '--no-cache']);
  assert.equal(r.status, 0, r.stderr);
  const e = JSON.parse(r.stdout);

  const p = [...scanned(pos1), ...scanned(pos2)];
  const n = scanned(neg);
  // The AUROC by its definition: every positive-negative pair, ties half.
  let wins = 0;
  for (const a of p) for (const b of n) wins += a.risk > b.risk ? 1 : a.risk === b.risk ? 0.5 : 0;
  assert.equal(e.positives, p.length);
  assert.equal(e.negatives, n.length);
  assert.ok(Math.abs(e.auroc - wins / (p.length * n.length)) < 1e-12, `${e.auroc} vs ${wins / (p.length * n.length)}`);
  assert.ok(e.interval[0] <= e.auroc && e.auroc <= e.interval[1], JSON.stringify(e.interval));
  const flaggedShare = (xs: Array<{ level: string }>) => xs.filter((x) => x.level !== 'low').length / xs.length;
  assert.equal(e.flagged.positive, flaggedShare(p));
  assert.equal(e.flagged.negative, flaggedShare(n));
  const meanOf = (xs: Array<{ risk: number }>) => xs.reduce((s, x) => s + x.risk, 0) / xs.length;
  const order = [
    { file: pos1, m: meanOf(scanned(pos1)) },
    { file: pos2, m: meanOf(scanned(pos2)) },
    { file: neg, m: meanOf(n) },
  ].sort((a, b) => b.m - a.m);
  assert.deepEqual(e.files.map((f: { file: string }) => f.file), order.map((o) => o.file));
  assert.equal(e.calibration.reduce((s: number, b: { examples: number }) => s + b.examples, 0), p.length + n.length);
  assert.deepEqual(e.contamination.rows.map((x: { fraction: number }) => x.fraction), [0.01, 0.02, 0.05, 0.1, 0.2]);
  for (const row of e.contamination.rows) assert.ok(row.alarmRate >= 0 && row.alarmRate <= 1 && row.meanRiskAuroc >= 0 && row.meanRiskAuroc <= 1);

  const md = run(['pack', 'evaluate', TINY, '--positive', pos1, '--negative', neg, '--no-cache']);
  assert.equal(md.status, 0, md.stderr);
  assert.match(md.stdout, /^# Persona Lens pack evaluation: test-pack-standard/);
  assert.match(md.stdout, /\*\*AUROC \d\.\d{3}\*\* \(95% bootstrap interval \d\.\d{3} to \d\.\d{3}\)/);
  assert.match(md.stdout, /## Contamination/);
});

test('pack evaluate refuses to run without both labels', () => {
  const only = file('only.jsonl', ['x']);
  assert.match(run(['pack', 'evaluate', '--positive', only]).stderr, /needs at least one --positive FILE and one --negative FILE/);
  assert.match(run(['pack', 'rate', '--positive', only, '--negative', only]).stderr, /unknown pack command "rate"; expected "pack evaluate"/);
});
