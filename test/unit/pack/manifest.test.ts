import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PackError } from '../../../src/core/pack/errors';
import { parseCalibration, parseLatentsFile, parsePackManifest } from '../../../src/core/pack/manifest';
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
  refuses(() => parsePackManifest({ ...m, formatVersion: 2 }), 'bad-manifest', 'pack.json: formatVersion is 2; this scanner reads format 1');
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
    'pack.json: files["../model.onnx"] must be a relative path inside the pack (no "..", no leading "/")',
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
  refuses(
    () => parseCalibration({ ...c, aggregation: { method: 'topk-mean' } }),
    'bad-calibration',
    'calibration.json: aggregation.k must be an integer >= 1',
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
