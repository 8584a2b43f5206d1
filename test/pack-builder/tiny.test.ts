// End to end: the pack builder's tiny config (tools/pack-builder/configs/tiny.yaml)
// builds a pack in a few minutes, and the real CLI loads it and scores with it.
// Needs Debian's python3-torch (see tools/pack-builder/README.md); skipped without it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertSameIds } from './sameIds';

const ROOT = join(__dirname, '../..');
const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, regex, sklearn, yaml, onnx'], { encoding: 'utf8' }).status === 0;
// The development datasets sit beside the checkout (never inside it); the builder reads them there.
const SHARED = process.env.PERSONA_LENS_SHARED ?? join(ROOT, '..', 'shared');
const skip = !hasTorch
  ? 'needs Debian python3-torch (+ regex, sklearn, yaml, onnx) at /usr/bin/python3: see tools/pack-builder/README.md'
  : !existsSync(join(SHARED, 'datasets'))
    ? `needs the development datasets at ${SHARED}/datasets (or PERSONA_LENS_SHARED)`
    : false;

const work = mkdtempSync(join(tmpdir(), 'persona-lens-pack-builder-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('the tiny pack-builder config builds a pack that the CLI loads and scores', { skip, timeout: 20 * 60_000 }, () => {
  const build = spawnSync(PYTHON, [join(ROOT, 'tools/pack-builder/build.py'), '--config', 'tiny', '--work', work], {
    encoding: 'utf8',
  });
  assert.equal(build.status, 0, `build failed:\n${build.stderr.slice(-3000)}`);

  const exp = join(work, 'export');
  const read = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
  assertSameIds(read(join(exp, 'pack/tokenizer.json')), read(join(work, 'tokenizer/samples.json')));

  const scan = spawnSync(process.execPath, [join(ROOT, 'bin/persona-lens.js'), 'scan', join(exp, 'check.jsonl'), '--pack', join(exp, 'pack'), '--format', 'jsonl'], {
    encoding: 'utf8',
  });
  assert.equal(scan.status, 0, scan.stderr);
  const lines = scan.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const expected: Array<{ score: number; risk: number }> = read(join(exp, 'expected.json'));
  assert.equal(lines.length, expected.length);
  lines.forEach((l, i) => {
    assert.ok(typeof l.risk === 'number' && l.risk >= 0 && l.risk <= 1, `line ${l.line}: risk ${l.risk}`);
    // The Python pipeline's own scoring of the same rows: the scanner must agree.
    assert.ok(Math.abs(l.score - expected[i].score) <= 1e-3 * Math.max(1, Math.abs(expected[i].score)), `line ${l.line}: score ${l.score}, pipeline ${expected[i].score}`);
  });
});
