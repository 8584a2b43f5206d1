// The pack builder's own tests (pytest, tools/pack-builder/tests), run from npm test so that
// one command runs every test. Needs the venv (npm run setup:python); skipped without it
// locally, failing under CI=true.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '../..');
const PYTHON = process.env.PERSONA_LENS_PYTHON ?? join(ROOT, '.venv/bin/python');
const missing = existsSync(PYTHON) ? false : `needs the pack builder's Python at ${PYTHON} (npm run setup:python)`;

test('the pack builder’s pytest suite passes', { skip: process.env.CI === 'true' ? false : missing, timeout: 10 * 60_000 }, () => {
  assert.equal(missing, false, String(missing));
  const run = spawnSync(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', join(ROOT, 'tools/pack-builder/tests')], { encoding: 'utf8', cwd: ROOT });
  assert.equal(run.status, 0, `pytest failed:\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`);
  assert.match(run.stdout, /\d+ passed/);
});
