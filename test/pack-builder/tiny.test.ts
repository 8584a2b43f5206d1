// End to end: the pack builder's tiny config (tools/pack-builder/configs/tiny.yaml: a tiny
// Llama of SmolLM2's architecture with random weights, written to GGUF and read back) runs
// every stage of the real-model path, and the real CLI loads the pack and scores our check
// rows (one long enough to need windows) exactly as the pipeline's onnxruntime run did.
// Needs the pack builder's venv (.venv, tools/pack-builder/requirements.txt) and
// ../shared/datasets; skipped without them locally, failing under CI=true.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertAgrees, type PipelineScore } from './agree';
import { assertSameIds } from './sameIds';

const ROOT = join(__dirname, '../..');
const PYTHON = process.env.PERSONA_LENS_PYTHON ?? join(ROOT, '.venv/bin/python');
const hasPython = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, transformers, gguf, onnxruntime, sklearn, yaml'], { encoding: 'utf8' }).status === 0;
// The development datasets sit beside the checkout (never inside it); the builder reads them there.
const SHARED = process.env.PERSONA_LENS_SHARED ?? join(ROOT, '..', 'shared');
const missing = !hasPython
  ? `needs the pack builder's Python at ${PYTHON} (python3 -m venv .venv && .venv/bin/pip install -r tools/pack-builder/requirements.txt)`
  : !existsSync(join(SHARED, 'datasets'))
    ? `needs the development datasets at ${SHARED}/datasets (or PERSONA_LENS_SHARED)`
    : false;
const skip = process.env.CI === 'true' ? false : missing;

const work = mkdtempSync(join(tmpdir(), 'persona-lens-pack-builder-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('the tiny pack-builder config builds a pack that the CLI loads and scores as the pipeline did', { skip, timeout: 20 * 60_000 }, () => {
  assert.equal(missing, false, String(missing));
  const build = spawnSync(PYTHON, [join(ROOT, 'tools/pack-builder/build.py'), '--config', 'tiny', '--work', work], {
    encoding: 'utf8',
    env: { ...process.env, PERSONA_LENS_SHARED: SHARED },
  });
  assert.equal(build.status, 0, `build failed:\n${build.stderr.slice(-3000)}`);

  const exp = join(work, 'export');
  const read = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
  assertSameIds(read(join(exp, 'pack/tokenizer.json')), read(join(work, 'model/tokenizer-samples.json')));
  const pack = read(join(exp, 'pack/pack.json'));
  // The model ships in onnxruntime's ORT format, which the scanner runs in place.
  assert.equal(pack.formatVersion, 3);
  assert.deepEqual(Object.keys(pack.files).filter((f) => f.startsWith('model.')), ['model.ort']);
  assert.match(readFileSync(join(exp, 'pack/REPORT.md'), 'utf8'), /## Detection \(AUROC, test rows\)/);

  const scan = spawnSync(process.execPath, [join(ROOT, 'bin/persona-lens.js'), 'scan', join(exp, 'check.jsonl'), '--pack', join(exp, 'pack'), '--format', 'jsonl', '--no-cache'], {
    encoding: 'utf8',
  });
  assert.equal(scan.status, 0, scan.stderr);
  const lines = scan.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const expected: PipelineScore[] = read(join(exp, 'expected.json'));
  assert.ok(expected.some((e) => e.tokens > pack.render.maxTokens), 'a check row long enough to need windows');
  // The pipeline's onnxruntime run of the same files: the scanner must agree.
  assertAgrees(lines, expected, read(join(exp, 'pack', 'calibration.json')).mapping.slope);
});
