// Your own model (#13 item 1): the pack builder makes a pack from a tiny random model of each
// architecture it supports (Hugging Face folders built with transformers at test time, and a
// GGUF file), each with a random public SAE in another layout (--sae), and the real CLI scores
// the check rows exactly as the pipeline's onnxruntime run did. The read-out is fixed to eight
// model-diff latents (configs/tiny-byo.yaml), so each layout's encode is what is compared. The
// Qwen2 case diffs against a given fine-tune (--tuned) with a change planted along one latent's
// decoder row: model diffing must rank that latent first.
// Needs the pack builder's venv and ../shared/datasets, as tiny.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertAgrees, scanCheckRows } from './agree';
import { assertSameIds } from './sameIds';
import { missing, PYTHON, ROOT, SHARED, skip } from './builderEnv';

const TOOL = join(ROOT, 'tools/pack-builder');

const work = mkdtempSync(join(tmpdir(), 'persona-lens-byo-'));
after(() => rmSync(work, { recursive: true, force: true }));

const LAYER = 1; // blocks.1.hook_resid_post: two of the tiny models' four blocks
const PLANTED = 7;

function python(args: string[]): string {
  const r = spawnSync(PYTHON, args, { cwd: TOOL, encoding: 'utf8', env: { ...process.env, PERSONA_LENS_SHARED: SHARED } });
  assert.equal(r.status, 0, `${args.slice(0, 3).join(' ')} failed:\n${r.stderr.slice(-3000)}`);
  return r.stdout.trim();
}

interface Case {
  arch: string;
  sae: string;
  variant?: string;
  tuned?: boolean;
  /** --external-data: model.onnx + model.onnx.data (pack format 4), as a model above 2 GB ships. */
  externalData?: boolean;
}

const CASES: Case[] = [
  { arch: 'llama', sae: 'llama-scope' },
  { arch: 'qwen2', sae: 'sparsify', tuned: true },
  { arch: 'gemma2', sae: 'gemma-scope' },
  { arch: 'gemma3', sae: 'gemma-scope-2' },
  { arch: 'gpt2', sae: 'dictionary-learning' },
  { arch: 'gguf', sae: 'saelens', variant: 'standard', externalData: true },
];

for (const c of CASES) {
  test(`--model ${c.arch} with --sae ${c.sae}${c.tuned ? ' and --tuned' : ''}${c.externalData ? ' and --external-data' : ''}: the CLI scores the pack as the pipeline did`, { skip, timeout: 15 * 60_000 }, () => {
    assert.equal(missing, false, String(missing));
    const dir = join(work, c.arch);
    mkdirSync(dir, { recursive: true });
    const model =
      c.arch === 'gguf'
        ? python(['-c', `from pack_builder.tiny_gguf import write_tiny_gguf; print(write_tiny_gguf(${JSON.stringify(join(dir, 'tiny.gguf'))}, {"d_model": 64, "d_ff": 128, "layers": 4, "heads": 4, "kv_heads": 2}, 5))`])
        : (python(['-m', 'pack_builder.tiny_hf', c.arch, join(dir, 'model')]), join(dir, 'model'));
    const sae = python(['-m', 'pack_builder.tiny_sae', c.sae, join(dir, 'sae'), '--d-in', '64', '--layer', String(LAYER), ...(c.variant ? ['--variant', c.variant] : [])]);
    const args = ['build.py', '--config', 'tiny-byo', '--model', model, '--layer', String(LAYER), '--sae', sae, '--work', join(dir, 'work')];
    if (c.tuned) {
      python(['-m', 'pack_builder.tiny_hf', model, join(dir, 'tuned'), '--plant', '--sae', sae, '--latent', String(PLANTED), '--scale', '2']);
      args.push('--tuned', join(dir, 'tuned'));
    }
    if (c.externalData) args.push('--external-data');
    python(args);

    const w = join(dir, 'work');
    const exp = join(w, 'export');
    const read = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
    assertSameIds(read(join(exp, 'pack/tokenizer.json')), read(join(w, 'model/tokenizer-samples.json')));
    const pack = read(join(exp, 'pack/pack.json'));
    assert.equal(pack.model.hookPoint, `blocks.${LAYER}.hook_resid_post`);
    // Format 9: each architecture's model takes past keys and values, its run from them checked
    // against a full run at export; the naming thresholds (8) and external data (4) come under it.
    assert.equal(pack.formatVersion, 9);
    assert.equal(read(join(exp, 'done.json')).kv_cache, true, read(join(exp, 'done.json')).kv_cache_problem);
    if (c.externalData) {
      assert.deepEqual(pack.model.externalData, ['model.onnx.data']);
      assert.deepEqual(Object.keys(pack.files).filter((f) => f.startsWith('model.')), ['model.onnx', 'model.onnx.data']);
    } else {
      assert.deepEqual(Object.keys(pack.files).filter((f) => f.startsWith('model.')), ['model.ort']);
    }
    assert.equal(read(join(w, 'sae/done.json')).format, c.sae);
    const calibration = read(join(exp, 'pack/calibration.json'));
    assert.ok(calibration.readout.every((r: { latent?: number }) => typeof r.latent === 'number'), 'a latent read-out');
    const raising = calibration.readout.filter((r: { weight: number }) => r.weight > 0);
    assert.ok(raising.length > 0 && raising.every((r: { namesAbove?: number }) => Number.isFinite(r.namesAbove)), 'each diff latent that raises risk has a naming threshold');
    if (c.tuned) assert.equal(read(join(w, 'discover/done.json')).top_diff[0], PLANTED, 'the planted latent ranks first');

    const { lines, expected } = scanCheckRows(exp);
    assert.ok(expected.some((e) => e.tokens > pack.render.maxTokens), 'a check row long enough to need windows');
    assert.ok(expected.some((e) => e.score !== 0), 'the read-out fires on some check row');
    assert.ok(expected.every((e) => e.persona !== undefined), "the pipeline says which term names each check row (null: none), for the scanner's to match");
    assertAgrees(lines, expected, calibration.mapping.slope);
  });
}
