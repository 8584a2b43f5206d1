// What the pack builder's end-to-end tests need, found once: its Python (the venv of
// tools/pack-builder/requirements.txt) and the development datasets beside the checkout (never
// inside it; the builder reads them there). Without them a test is skipped locally and fails
// under CI=true.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '../..');
export const PYTHON = process.env.PERSONA_LENS_PYTHON ?? join(ROOT, '.venv/bin/python');
export const SHARED = process.env.PERSONA_LENS_SHARED ?? join(ROOT, '..', 'shared');

const hasPython = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, transformers, gguf, onnxruntime, sklearn, yaml, safetensors'], { encoding: 'utf8' }).status === 0;

/** Why the builder cannot run here, or false. */
export const missing: string | false = !hasPython
  ? `needs the pack builder's Python at ${PYTHON} (python3 -m venv .venv && .venv/bin/pip install -r tools/pack-builder/requirements.txt)`
  : !existsSync(join(SHARED, 'datasets'))
    ? `needs the development datasets at ${SHARED}/datasets (or PERSONA_LENS_SHARED)`
    : false;

/** The `skip` option of such a test: never under CI=true, where `missing` fails it instead. */
export const skip = process.env.CI === 'true' ? false : missing;
