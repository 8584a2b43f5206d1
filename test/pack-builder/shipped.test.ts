// The embedded default pack (packs/persona-mini) as users get it: the CLI picks it with no
// --pack, loads it (hashes checked) and scores the pack builder's check rows exactly as the
// Python pipeline did when it exported the pack (test/fixtures/persona-mini-check, our own
// contrast rows; refreshed with the pack, see tools/pack-builder/README.md).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '../..');
const PACK = join(ROOT, 'packs/persona-mini');
const CHECK = join(ROOT, 'test/fixtures/persona-mini-check');

function bytesUnder(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? bytesUnder(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}

test('the CLI scans with the embedded default pack and agrees with the pipeline that built it', () => {
  const scan = spawnSync(process.execPath, [join(ROOT, 'bin/persona-lens.js'), 'scan', join(CHECK, 'check.jsonl'), '--format', 'jsonl'], {
    encoding: 'utf8',
  });
  assert.equal(scan.status, 0, scan.stderr);
  assert.doesNotMatch(scan.stderr, /TEST pack/, 'the default pack is used, not the random test pack');
  const lines = scan.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const expected: Array<{ score: number; risk: number }> = JSON.parse(readFileSync(join(CHECK, 'expected.json'), 'utf8'));
  assert.equal(lines.length, expected.length);
  lines.forEach((l, i) => {
    const tol = 1e-3 * Math.max(1, Math.abs(expected[i].score));
    assert.ok(Math.abs(l.score - expected[i].score) <= tol, `line ${l.line}: score ${l.score}, pipeline ${expected[i].score}`);
    assert.ok(Math.abs(l.risk - expected[i].risk) <= 1e-3, `line ${l.line}: risk ${l.risk}, pipeline ${expected[i].risk}`);
  });
});

test('the embedded default pack stays within 40 MB and ships its report and labelled latents', () => {
  assert.ok(bytesUnder(PACK) <= 40_000_000, `${bytesUnder(PACK)} bytes`);
  assert.match(readFileSync(join(PACK, 'REPORT.md'), 'utf8'), /## Detection \(AUROC, test rows\)/);
  const calibration = JSON.parse(readFileSync(join(PACK, 'calibration.json'), 'utf8'));
  const labelled = new Set(JSON.parse(readFileSync(join(PACK, 'latents.json'), 'utf8')).latents.map((l: { index: number }) => l.index));
  assert.ok(calibration.readout.length <= 8, 'a small read-out a person can review');
  for (const r of calibration.readout) assert.ok(labelled.has(r.latent), `read-out latent ${r.latent} has a label and snippets`);
});
