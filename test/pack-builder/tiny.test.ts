// End to end: the pack builder's tiny config (tools/pack-builder/configs/tiny.yaml: a tiny
// Llama of SmolLM2's architecture with random weights, written to GGUF and read back) runs
// every stage of the real-model path, and the real CLI loads the pack and scores our check
// rows (one long enough to need windows, one whose second answer's prompt end is in a later
// window) exactly as the pipeline's onnxruntime run did.
// Needs the pack builder's venv (.venv, tools/pack-builder/requirements.txt) and
// ../shared/datasets; skipped without them locally, failing under CI=true.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertAgrees, scanCheckRows } from './agree';
import { assertSameIds } from './sameIds';
import { JS_READOUT_LATENTS } from '../../src/core/sae/encode';
import { readSafetensors } from '../../src/core/sae/safetensors';
import { missing, PYTHON, ROOT, SHARED, skip } from './builderEnv';

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
  // The model ships in onnxruntime's ORT format, which the scanner runs in place; the read-out
  // (the default's kind) is a probe over the SAE's latents, one latentWeights term (format 6) that
  // weighs more latents than the scanner reads in JS, so its onnxruntime read-out is checked,
  // and a direction read at the prompt's end; its mean over the answer counts 16 prior tokens
  // (format 7), so the scanner's agreement below covers that too. The model takes past keys
  // and values (format 9): the scanner's full runs feed it empty ones, and the export checked a
  // run from a prefix's cache against a full run.
  assert.equal(pack.formatVersion, 9);
  const exported = read(join(exp, 'done.json'));
  assert.ok(exported.kv_cache && exported.kv_cache_disagreement_shipped < 1e-4, JSON.stringify(exported));
  const { readout, aggregation, validation } = read(join(exp, 'pack/calibration.json'));
  // The figure on general questions travels with the pack, beside the others a user is shown.
  assert.ok(validation.general_auroc >= 0 && validation.general_auroc <= 1, String(validation.general_auroc));
  // The tiny model's answers under the persona prompts are empty, so its persona vector is 0 and no
  // candidate has it beside the probe (calibrate.probe_persona_alpha; tests/test_metrics.py).
  assert.deepEqual(readout, [{ latentWeights: 'probe', weight: 1 }, { direction: 'probe-prompt', weight: 1, at: 'prompt-end' }]);
  assert.equal(aggregation.method, 'mean');
  assert.equal(aggregation.priorTokens, 16);
  assert.ok(Number.isFinite(aggregation.priorValue));
  const weights = readSafetensors(readFileSync(join(exp, 'pack/directions.safetensors'))).tensors.get('probe')!.data;
  const weighed = weights.filter((w) => w !== 0).length;
  assert.ok(weighed > JS_READOUT_LATENTS, `${weighed} latents weighed`);
  // No probe weight lands on a latent that discover named: a badge never names one for a probe.
  for (const l of read(join(exp, 'pack/latents.json')).latents) if (l.foundBy.method !== 'probe') assert.equal(weights[l.index], 0, `latent ${l.index}`);
  // The probe's rows: 16 of each paired dev file, 8 GSM8K, 8 standard-library functions, the intent pairs and our general-questions pairs (weighing 10 each).
  const probe = read(join(exp, 'pack/latents.json')).directions.find((d: { name: string }) => d.name === 'probe');
  const rowsIn = (f: string) => readFileSync(join(ROOT, 'tools/pack-builder/contrast', f), 'utf8').trim().split('\n').length;
  assert.equal(probe.foundBy.rows, 4 * 16 + 8 + 8 + rowsIn('train.jsonl') + rowsIn('general_train.jsonl'));
  assert.match(probe.description, /8 short Python standard-library functions as aligned/);
  assert.match(probe.description, /our general-questions pairs \(misaligned and aligned answers to everyday questions, each weighing 10 rows\)/);
  assert.deepEqual(Object.keys(pack.files).filter((f) => f.startsWith('model.')), ['model.ort']);
  const report = readFileSync(join(exp, 'pack/REPORT.md'), 'utf8');
  assert.match(report, /## Detection \(AUROC, test rows\)/);
  // The read-out's kind gets its own baseline, cross-domain columns included.
  assert.match(report, /\| probe over the SAE's latents \(mean activations\), fitted on the validation rows( \| [01]\.\d{3}){6} \|/);
  // General questions, outside the read-out's domains: the pack, every baseline, and the flags on both sides.
  assert.match(report, /\| pack: `probe-sae-[^`]+`( \| [01]\.\d{3}){4} \| – \| – \|/);
  assert.match(report, /\| TF-IDF \+ LR( \| [01]\.\d{3}){6} \|/);
  assert.match(report, /general questions \{'general_misaligned': 70, 'general_aligned': 48\}/);
  assert.match(report, /\| general aligned \| [01]\.\d{3} \| [01]\.\d{3} \|/);
  assert.match(report, new RegExp(`The pack's read-out weighs ${weighed.toLocaleString('en-US')} SAE latents`));
  assert.match(report, new RegExp(`counts 16 prior tokens at ${aggregation.priorValue.toFixed(3)}, the aligned training rows' mean answer score`));
  // The SAE's general text depends on the machine: each source group's size and hash, to see which moved.
  assert.match(report, /python_stdlib [\d,]+ characters, sha256 [0-9a-f]{16}…; debian_docs [\d,]+ characters, sha256 [0-9a-f]{16}…; npm_readmes/);
  // Intent again on each asked framing, the probe refitted without it: 4 framings, each a figure.
  assert.match(report, /Intent on asked phrasings the probe never saw .*by framing: 0 [01]\.\d{3}; 1 [01]\.\d{3}; 2 [01]\.\d{3}; 3 [01]\.\d{3}; lowest/);

  const { lines, expected } = scanCheckRows(exp);
  assert.ok(expected.some((e) => e.tokens > pack.render.maxTokens), 'a check row long enough to need windows');
  // It says per row how far a latent at its JumpReLU threshold could move the score (agree.ts widens by it).
  for (const e of expected) assert.ok(typeof e.thresholdSlack === 'number' && e.thresholdSlack >= 0, `threshold slack ${e.thresholdSlack}`);
  // The pipeline's onnxruntime run of the same files: the scanner must agree.
  assertAgrees(lines, expected, read(join(exp, 'pack', 'calibration.json')).mapping.slope);
});

// build.py --refresh-model: the pack's model made again as asked (here float compute instead of the
// tiny config's int8 activations) without the other stages; the SAE and read-out stay, and the
// check rows, REPORT.md's row for the shipped model and pack.json follow the new model.
test('--refresh-model remakes the pack model in place, and the CLI scores the check rows as the refreshed pipeline did', { skip, timeout: 10 * 60_000 }, () => {
  assert.equal(missing, false, String(missing));
  const exp = join(work, 'export');
  const read = (f: string) => JSON.parse(readFileSync(join(exp, f), 'utf8'));
  const before = read('pack/pack.json');
  assert.match(before.provenance.sources[0].origin, /int8 activations \(MatMulNBits accuracy_level 4\)$/);
  const refresh = spawnSync(PYTHON, [join(ROOT, 'tools/pack-builder/build.py'), '--config', 'tiny', '--work', work, '--accuracy-level', '0', '--refresh-model', join(exp, 'pack')], {
    encoding: 'utf8',
    env: { ...process.env, PERSONA_LENS_SHARED: SHARED },
  });
  assert.equal(refresh.status, 0, `refresh failed:\n${refresh.stderr.slice(-3000)}`);
  const after = read('pack/pack.json');
  assert.doesNotMatch(after.provenance.sources[0].origin, /int8/);
  assert.match(after.provenance.builder, /model refreshed by --refresh-model on \d{4}-\d\d-\d\d$/);
  for (const f of ['sae/sae_weights.safetensors', 'calibration.json', 'directions.safetensors', 'tokenizer.json']) assert.equal(after.files[f], before.files[f], f);
  assert.notEqual(after.files['model.ort'], before.files['model.ort']);
  const row = readFileSync(join(exp, 'pack/REPORT.md'), 'utf8').split('\n').filter((l) => l.startsWith('| onnxruntime vs PyTorch (the shipped'));
  assert.equal(row.length, 1);
  assert.match(row[0], /F16 SAE\); measured again by --refresh-model on [\d-]+, the F16 SAE on both sides \| hidden_cosine_mean [01]\.\d{3};/);
  // The CLI loads it (every file's hash checked) and agrees with the refresh's own onnxruntime run.
  const { lines, expected } = scanCheckRows(exp);
  assertAgrees(lines, expected, read('pack/calibration.json').mapping.slope);
});
