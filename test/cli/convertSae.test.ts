// End to end: the built `persona-lens convert-sae` (bin/ -> dist/cli.js) on SAEs we write here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseSaeConfig } from '../../src/core/sae/config';
import { convertGemmaScope, convertSparsify } from '../../src/core/sae/convert';
import { readSafetensors } from '../../src/core/sae/safetensors';
import { saeWeightsFrom } from '../../src/core/sae/weights';
import { gemmaScopeNpz, randomGemmaScope, randomSparsify, sparsifyCfg, sparsifySafetensors } from '../fixtures/saeFormats';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin/persona-lens.js');
const work = mkdtempSync(join(tmpdir(), 'persona-lens-convert-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The written folder loads as a pack's sae/ folder does; returns its cfg.json and weights. */
function loadOutput(dir: string) {
  const cfg = JSON.parse(readFileSync(join(dir, 'cfg.json'), 'utf8'));
  const weights = readFileSync(join(dir, 'sae_weights.safetensors'));
  saeWeightsFrom(readSafetensors(weights), parseSaeConfig(cfg));
  return { cfg, weights };
}

// Gemma Scope's own layout: <layer>/<width>/<l0>/params.npz.
const npzDir = join(work, 'layer_3/width_48/average_l0_9');
mkdirSync(npzDir, { recursive: true });
const npz = gemmaScopeNpz(randomGemmaScope(3, 8, 48), 8, 48, { deflate: true, zip64Local: true });
writeFileSync(join(npzDir, 'params.npz'), npz);

test('convert-sae --from gemma-scope writes the SAELens files the converter makes, from the file or its folder', () => {
  const out = join(work, 'gemma-sae');
  const r = run(['convert-sae', '--from', 'gemma-scope', join(npzDir, 'params.npz'), out, '--hook-name', 'blocks.3.hook_resid_post']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*cfg\.json and .*sae_weights\.safetensors \(jumprelu, d_in 8, d_sae 48\)/);
  const expected = convertGemmaScope(npz, { hookName: 'blocks.3.hook_resid_post' });
  const { cfg, weights } = loadOutput(out);
  assert.deepEqual(cfg, expected.cfg);
  assert.ok(Buffer.compare(weights, Buffer.from(expected.weights)) === 0, 'weights as the converter writes them');

  const fromFolder = join(work, 'gemma-from-folder');
  assert.equal(run(['convert-sae', '--from', 'gemma-scope', npzDir, fromFolder]).code, 0);
  assert.equal(loadOutput(fromFolder).cfg.hook_name, undefined);
});

test('convert-sae --from sparsify reads cfg.json + sae.safetensors from the folder', () => {
  const dir = join(work, 'layers.4');
  mkdirSync(dir);
  const cfgText = sparsifyCfg(8, 4, { num_latents: 48 });
  const st = sparsifySafetensors(randomSparsify(4, 8, 48), 8, 48);
  writeFileSync(join(dir, 'cfg.json'), cfgText);
  writeFileSync(join(dir, 'sae.safetensors'), st);
  const out = join(work, 'sparsify-sae');
  const r = run(['convert-sae', '--from', 'sparsify', dir, out]);
  assert.equal(r.code, 0, r.stderr);
  const { cfg, weights } = loadOutput(out);
  assert.deepEqual(cfg, convertSparsify(cfgText, st).cfg);
  assert.equal(cfg.k, 4);
  assert.ok(Buffer.compare(weights, Buffer.from(convertSparsify(cfgText, st).weights)) === 0);
});

test('bad input exits 2 naming the file and the problem, and writes nothing', () => {
  const broken = join(work, 'broken.npz');
  writeFileSync(broken, npz.subarray(0, 200));
  const out = join(work, 'not-written');
  const r = run(['convert-sae', '--from', 'gemma-scope', broken, out]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `persona-lens: cannot convert ${broken}: not a zip archive (no end-of-central-directory record; truncated file?)\n`);
  assert.equal(existsSync(out), false);

  const missing = run(['convert-sae', '--from', 'sparsify', join(work, 'nowhere'), out]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^persona-lens: cannot read .*nowhere\/cfg\.json: no such file\n$/);

  const dir = join(work, 'groupmax');
  mkdirSync(dir);
  writeFileSync(join(dir, 'cfg.json'), sparsifyCfg(8, 4, { activation: 'groupmax' }));
  writeFileSync(join(dir, 'sae.safetensors'), sparsifySafetensors(randomSparsify(4, 8, 48), 8, 48));
  const groupmax = run(['convert-sae', '--from', 'sparsify', dir, out]);
  assert.equal(groupmax.code, 2);
  assert.match(groupmax.stderr, /cannot convert .*groupmax: cfg\.json: activation "groupmax" is not supported/);
});

test('an existing SAE in OUTDIR is not overwritten', () => {
  const out = join(work, 'occupied');
  mkdirSync(out);
  writeFileSync(join(out, 'sae_weights.safetensors'), 'keep me');
  const r = run(['convert-sae', '--from', 'gemma-scope', npzDir, out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /sae_weights\.safetensors already exists; not overwriting it/);
  assert.equal(readFileSync(join(out, 'sae_weights.safetensors'), 'utf8'), 'keep me');
  assert.equal(existsSync(join(out, 'cfg.json')), false);
});

test('usage errors exit 2 with the usage text', () => {
  for (const [args, re] of [
    [['convert-sae', npzDir, 'out'], /convert-sae needs --from gemma-scope\|sparsify/],
    [['convert-sae', '--from', 'saelens', npzDir, 'out'], /--from must be one of gemma-scope, sparsify; got "saelens"/],
    [['convert-sae', '--from', 'sparsify', npzDir], /convert-sae needs INPUT and OUTDIR/],
    [['convert-sae', '--from', 'sparsify', npzDir, 'out', '--pack', 'p'], /--pack does not apply to convert-sae/],
  ] as Array<[string[], RegExp]>) {
    const r = run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, re);
    assert.match(r.stderr, /Usage: persona-lens scan/);
  }
});
