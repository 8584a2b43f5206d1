import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PackError } from '../../../src/core/pack/errors';
import { join } from 'node:path';
import { packFacts } from '../../../src/core/pack/facts';
import { parseCalibration, parseLatentsFile, parsePackManifest, validityFigures } from '../../../src/core/pack/manifest';
import { TINY, readJson } from './helpers';

const manifest = () => readJson(TINY, 'pack.json');
const latents = () => readJson(TINY, 'latents.json');
const calibration = () => readJson(TINY, 'calibration.json');

function refuses(f: () => unknown, code: string, message: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof PackError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    return true;
  });
}

test('the tiny pack files validate', () => {
  assert.equal(parsePackManifest(manifest()).formatVersion, 1);
  assert.equal(parseLatentsFile(latents()).latents.length, 3);
  assert.equal(parseCalibration(calibration()).aggregation.method, 'max');
});

test('pack.json errors name the field', () => {
  const m = manifest();
  assert.equal(parsePackManifest({ ...m, formatVersion: 2 }).formatVersion, 2);
  assert.equal(parsePackManifest({ ...m, formatVersion: 3 }).formatVersion, 3);
  assert.equal(parsePackManifest({ ...m, formatVersion: 4 }).formatVersion, 4);
  assert.equal(parsePackManifest({ ...m, formatVersion: 5 }).formatVersion, 5);
  assert.equal(parsePackManifest({ ...m, formatVersion: 6 }).formatVersion, 6);
  assert.equal(parsePackManifest({ ...m, formatVersion: 7 }).formatVersion, 7);
  refuses(() => parsePackManifest({ ...m, formatVersion: 10 }), 'bad-manifest', 'pack.json: formatVersion is 10; this scanner reads formats 1, 2, 3, 4, 5, 6, 7, 8, 9');
  refuses(() => parsePackManifest({ ...m, name: 3 }), 'bad-manifest', 'pack.json: name must be a string');
  refuses(
    () => parsePackManifest({ ...m, model: { ...m.model, dModel: 0 } }),
    'bad-manifest',
    'pack.json: model.dModel must be an integer >= 1',
  );
  const roles = { ...m.render.roles, tool: { prefix: '<|tool|>' } };
  refuses(
    () => parsePackManifest({ ...m, render: { ...m.render, roles } }),
    'bad-manifest',
    'pack.json: render.roles.tool.suffix must be a string',
  );
  refuses(
    () => parsePackManifest({ ...m, render: { ...m.render, scoredRoles: ['bot'] } }),
    'bad-manifest',
    'pack.json: render.scoredRoles[0] must be one of "system", "user", "assistant", "tool"',
  );
  refuses(
    () => parsePackManifest({ ...m, render: { ...m.render, overflow: 'drop' } }),
    'bad-manifest',
    'pack.json: render.overflow must be one of "truncate", "window"',
  );
  refuses(
    () => parsePackManifest({ ...m, files: { '../model.onnx': 'a'.repeat(64) } }),
    'bad-manifest',
    'pack.json: files["../model.onnx"] must be a relative path inside the pack (no "..", no leading "/", no control characters)',
  );
  refuses(
    () => parsePackManifest({ ...m, files: { 'model.onnx\u0000.txt': 'a'.repeat(64) } }),
    'bad-manifest',
    'pack.json: files["model.onnx\\u0000.txt"] must be a relative path inside the pack (no "..", no leading "/", no control characters)',
  );
  refuses(
    () => parsePackManifest({ ...m, files: { 'model.onnx': 'ABC' } }),
    'bad-manifest',
    'pack.json: files["model.onnx"] must be a lower-case hex sha256',
  );
});

test('latents.json errors name the entry and field', () => {
  const l = latents();
  refuses(() => parseLatentsFile({}), 'bad-latents', 'latents.json: latents must be a list');
  const dup = { latents: [l.latents[0], { ...l.latents[1], index: l.latents[0].index }] };
  refuses(() => parseLatentsFile(dup), 'bad-latents', `latents.json: latents[1].index repeats latent ${l.latents[0].index}`);
  const noLabel = { latents: [{ ...l.latents[0], label: '' }] };
  refuses(() => parseLatentsFile(noLabel), 'bad-latents', 'latents.json: latents[0].label must be a non-empty string');
  const badAuroc = { latents: [{ ...l.latents[0], foundBy: { method: 'diff', auroc: 1.5 } }] };
  refuses(() => parseLatentsFile(badAuroc), 'bad-latents', 'latents.json: latents[0].foundBy.auroc must be a number in 0..1');
  const badCosine = { latents: [{ ...l.latents[0], foundBy: { method: 'persona-vector', cosine: -1.2 } }] };
  refuses(() => parseLatentsFile(badCosine), 'bad-latents', 'latents.json: latents[0].foundBy.cosine must be a number in -1..1');
  const badWeight = { latents: [{ ...l.latents[0], foundBy: { method: 'probe', weight: '2' } }] };
  refuses(() => parseLatentsFile(badWeight), 'bad-latents', 'latents.json: latents[0].foundBy.weight must be a number');
});

test('latents.json directions validate like latents', () => {
  const { latents: [latent] } = latents();
  const { index: _, ...described } = latent;
  const persona = { ...described, name: 'persona', foundBy: { method: 'persona-vector' } };
  const file = (...directions: unknown[]) => ({ latents: [latent], directions });
  assert.equal(parseLatentsFile(file(persona)).directions?.[0].name, 'persona');
  refuses(() => parseLatentsFile({ latents: [], directions: {} }), 'bad-latents', 'latents.json: directions must be a list');
  refuses(() => parseLatentsFile(file({ ...persona, name: '' })), 'bad-latents', 'latents.json: directions[0].name must be a non-empty string');
  refuses(() => parseLatentsFile(file(persona, persona)), 'bad-latents', 'latents.json: directions[1].name repeats direction "persona"');
  refuses(() => parseLatentsFile(file({ ...persona, label: 7 })), 'bad-latents', 'latents.json: directions[0].label must be a non-empty string');
  refuses(
    () => parseLatentsFile(file({ ...persona, foundBy: { method: 'persona-vector', cosine: 2 } })),
    'bad-latents',
    'latents.json: directions[0].foundBy.cosine must be a number in -1..1',
  );
  refuses(
    () => parseLatentsFile(file({ ...persona, topExamples: [{ text: 'x' }] })),
    'bad-latents',
    'latents.json: directions[0].topExamples[0].activation must be a number',
  );
});

test('calibration.json errors name the field', () => {
  const c = calibration();
  refuses(
    () => parseCalibration({ ...c, thresholds: { elevated: 0.5, high: 2 } }),
    'bad-calibration',
    'calibration.json: thresholds.high must be a number in 0..1',
  );
  refuses(
    () => parseCalibration({ ...c, thresholds: { elevated: 0.9, high: 0.8 } }),
    'bad-calibration',
    'calibration.json: thresholds.high must not be below thresholds.elevated (0.9)',
  );
  refuses(() => parseCalibration({ ...c, readout: [] }), 'bad-calibration', 'calibration.json: readout must have at least 1 entry');
  refuses(
    () => parseCalibration({ ...c, readout: [{ latent: 1.5, weight: 1 }] }),
    'bad-calibration',
    'calibration.json: readout[0].latent must be an integer >= 0',
  );
  const mixed = parseCalibration({ ...c, readout: [{ latent: 3, weight: 1 }, { direction: 'persona', weight: -0.5 }] });
  assert.deepEqual(mixed.readout[1], { direction: 'persona', weight: -0.5 });
  refuses(
    () => parseCalibration({ ...c, readout: [{ latent: 3, direction: 'persona', weight: 1 }] }),
    'bad-calibration',
    'calibration.json: readout[0] must name exactly one of a "latent", a "direction" or "latentWeights"',
  );
  refuses(
    () => parseCalibration({ ...c, readout: [{ weight: 1 }] }),
    'bad-calibration',
    'calibration.json: readout[0] must name exactly one of a "latent", a "direction" or "latentWeights"',
  );
  refuses(
    () => parseCalibration({ ...c, readout: [{ latentWeights: 'probe', latent: 2, weight: 1 }] }),
    'bad-calibration',
    'calibration.json: readout[0] must name exactly one of a "latent", a "direction" or "latentWeights"',
  );
  refuses(
    () => parseCalibration({ ...c, readout: [{ latentWeights: 7, weight: 1 }] }),
    'bad-calibration',
    'calibration.json: readout[0].latentWeights must be a non-empty string',
  );
  refuses(
    () => parseCalibration({ ...c, readout: [{ latentWeights: 'probe', weight: 1, at: 'prompt-end' }] }),
    'bad-calibration',
    'calibration.json: readout[0].at is only for a "direction" term',
  );
  assert.deepEqual(parseCalibration({ ...c, readout: [{ latentWeights: 'probe', weight: 1 }] }).readout, [{ latentWeights: 'probe', weight: 1 }]);
  const ends = parseCalibration({ ...c, readout: [{ direction: 'persona', weight: 1 }, { direction: 'persona', weight: 2, at: 'prompt-end' }] });
  assert.deepEqual(ends.readout[1], { direction: 'persona', weight: 2, at: 'prompt-end' });
  refuses(
    () => parseCalibration({ ...c, readout: [{ direction: 'persona', weight: 1, at: 'prompt-start' }] }),
    'bad-calibration',
    'calibration.json: readout[0].at must be one of "prompt-end"',
  );
  refuses(
    () => parseCalibration({ ...c, readout: [{ latent: 3, weight: 1, at: 'prompt-end' }] }),
    'bad-calibration',
    'calibration.json: readout[0].at is only for a "direction" term',
  );
  refuses(
    () => parseCalibration({ ...c, readout: [{ direction: '', weight: 1 }] }),
    'bad-calibration',
    'calibration.json: readout[0].direction must be a non-empty string',
  );
  refuses(
    () => parseCalibration({ ...c, readout: [{ direction: 'persona', weight: null }] }),
    'bad-calibration',
    'calibration.json: readout[0].weight must be a number',
  );
  refuses(
    () => parseCalibration({ ...c, aggregation: { method: 'topk-mean' } }),
    'bad-calibration',
    'calibration.json: aggregation.k must be an integer >= 1',
  );
  // Format 7's prior tokens: a mean's only, with the value they count at.
  assert.deepEqual(parseCalibration({ ...c, aggregation: { method: 'mean', priorTokens: 16, priorValue: -2.5 } }).aggregation, {
    method: 'mean',
    priorTokens: 16,
    priorValue: -2.5,
  });
  refuses(
    () => parseCalibration({ ...c, aggregation: { method: 'max', priorTokens: 16, priorValue: 0 } }),
    'bad-calibration',
    'calibration.json: aggregation.priorTokens is only for the "mean" method',
  );
  refuses(
    () => parseCalibration({ ...c, aggregation: { method: 'mean', priorTokens: 16 } }),
    'bad-calibration',
    'calibration.json: aggregation.priorValue must be a number',
  );
  refuses(
    () => parseCalibration({ ...c, aggregation: { method: 'mean', priorTokens: -1, priorValue: 0 } }),
    'bad-calibration',
    'calibration.json: aggregation.priorTokens must be a number >= 0',
  );
  // Format 8's naming threshold: on a latent or direction term read at the scored tokens.
  assert.deepEqual(parseCalibration({ ...c, readout: [{ latent: 1, weight: 1, namesAbove: 0.5 }, { direction: 'persona', weight: 2, namesAbove: -1 }] }).readout, [
    { latent: 1, weight: 1, namesAbove: 0.5 },
    { direction: 'persona', weight: 2, namesAbove: -1 },
  ]);
  refuses(
    () => parseCalibration({ ...c, readout: [{ direction: 'persona', weight: 2, namesAbove: 'high' }] }),
    'bad-calibration',
    'calibration.json: readout[0].namesAbove must be a number',
  );
  refuses(
    () => parseCalibration({ ...c, readout: [{ latentWeights: 'probe', weight: 1, namesAbove: 0 }] }),
    'bad-calibration',
    'calibration.json: readout[0].namesAbove is only for a "latent" or a "direction" term read at the scored tokens',
  );
  refuses(
    () => parseCalibration({ ...c, readout: [{ latent: 1, weight: 1 }, { direction: 'persona', weight: 2, at: 'prompt-end', namesAbove: 0 }] }),
    'bad-calibration',
    'calibration.json: readout[1].namesAbove is only for a "latent" or a "direction" term read at the scored tokens',
  );
  refuses(
    () => parseCalibration({ ...c, mapping: { type: 'logistic', slope: 'steep', intercept: 0 } }),
    'bad-calibration',
    'calibration.json: mapping.slope must be a number',
  );
  refuses(
    () => parseCalibration({ ...c, mapping: { type: 'piecewise', x: [0, 1, 1], y: [0, 0.5, 1] } }),
    'bad-calibration',
    'calibration.json: mapping.x must be strictly ascending',
  );
  refuses(
    () => parseCalibration({ ...c, mapping: { type: 'piecewise', x: [0, 1], y: [0, 0.5, 1] } }),
    'bad-calibration',
    'calibration.json: mapping.y must have as many entries as mapping.x (2)',
  );
  assert.equal(parseCalibration({ ...c, mapping: { type: 'piecewise', x: [0, 2], y: [0, 1] } }).mapping.type, 'piecewise');
});

test('a pack says of itself what it is and the AUROCs it states, for the user choosing one', () => {
  assert.deepEqual(validityFigures({ validation: { test_auroc: { code: 0.88, medical: 0.971 }, rows: 800, prior: 0.1, note: 'x' } }), ['test code 0.880', 'test medical 0.971']);
  assert.deepEqual(validityFigures({ validation: { auroc_code: 0.97 } }), ['code 0.970']);
  assert.deepEqual(validityFigures({ validation: {} }), []);
  const builtIn = packFacts(join(__dirname, '../../../packs/persona-smollm2'))!;
  // The embedded pack also states its intent figure (unasked vs asked, the contrast set's validation pairs)
  // and, since 0.7.0, its general-questions one.
  assert.match(builtIn, /^persona-smollm2 \d+\.\d+\.\d+ · AUROC validation code 0\.\d{3}, validation medical 0\.\d{3}, test code 0\.\d{3}, test medical 0\.\d{3}, intent 0\.\d{3}, general 0\.\d{3} · risk assumes 10% EM-inducing$/);
  assert.equal(packFacts('/nonexistent'), undefined);
});
