// Validation of pack.json, latents.json and calibration.json against types.ts.
// Each parse* takes the parsed JSON and returns it typed, or throws a PackError
// naming the file and the first field that is wrong. What needs two files (a
// latent index against d_sae, a direction name against directions.safetensors,
// the format version against direction terms) is checked by the loader.

import type { Role } from '../dataset/types';
import { Fields } from './fields';
import { FORMAT_VERSIONS, PACK_FILES, type Calibration, type LatentsFile, type PackManifest } from './types';

const ROLES: readonly Role[] = ['system', 'user', 'assistant', 'tool'];
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function parsePackManifest(json: unknown): PackManifest {
  const f = new Fields(PACK_FILES.manifest, 'bad-manifest');
  const m = f.object(json, 'the file');
  if (!(FORMAT_VERSIONS as readonly unknown[]).includes(m.formatVersion)) {
    f.fail('formatVersion', `is ${JSON.stringify(m.formatVersion)}; this scanner reads formats ${FORMAT_VERSIONS.join(', ')}`);
  }
  for (const key of ['name', 'version', 'license', 'description'] as const) f.string(m[key], key);

  const prov = f.object(m.provenance, 'provenance');
  f.string(prov.builder, 'provenance.builder');
  f.string(prov.created, 'provenance.created');
  f.optionalString(prov.notes, 'provenance.notes');
  f.array(prov.sources, 'provenance.sources').forEach((s, i) => {
    const src = f.object(s, `provenance.sources[${i}]`);
    for (const key of ['name', 'license', 'origin'] as const) f.string(src[key], `provenance.sources[${i}].${key}`);
  });

  const model = f.object(m.model, 'model');
  f.number(model.dModel, 'model.dModel', { integer: true, min: 1 });
  f.string(model.hookPoint, 'model.hookPoint');
  f.number(model.padTokenId, 'model.padTokenId', { integer: true, min: 0 });

  const render = f.object(m.render, 'render');
  f.string(render.bos, 'render.bos');
  f.string(render.eos, 'render.eos');
  const roles = f.object(render.roles, 'render.roles');
  for (const role of ROLES) {
    const t = f.object(roles[role], `render.roles.${role}`);
    f.string(t.prefix, `render.roles.${role}.prefix`);
    f.string(t.suffix, `render.roles.${role}.suffix`);
  }
  f.array(render.scoredRoles, 'render.scoredRoles', 1).forEach((r, i) => f.oneOf(r, `render.scoredRoles[${i}]`, ROLES));
  f.number(render.maxTokens, 'render.maxTokens', { integer: true, min: 2 });
  f.oneOf(render.overflow, 'render.overflow', ['truncate', 'window'] as const);

  const files = f.object(m.files, 'files');
  for (const [path, hash] of Object.entries(files)) {
    if (path === PACK_FILES.manifest) f.fail(`files["${path}"]`, 'cannot be listed: pack.json cannot hold its own hash');
    // JSON.stringify: a control character in the key shows escaped, never raw.
    if (!isSafeRelativePath(path)) f.fail(`files[${JSON.stringify(path)}]`, 'must be a relative path inside the pack (no "..", no leading "/", no control characters)');
    if (typeof hash !== 'string' || !SHA256_HEX.test(hash)) f.fail(`files["${path}"]`, 'must be a lower-case hex sha256');
  }
  if (PACK_FILES.model in files && PACK_FILES.modelOrt in files) {
    f.fail('files', `lists both ${PACK_FILES.model} and ${PACK_FILES.modelOrt}; a pack has one model`);
  }
  if (PACK_FILES.modelOrt in files && (m.formatVersion as number) < 3) {
    f.fail(`files["${PACK_FILES.modelOrt}"]`, `needs formatVersion 3; this pack says ${m.formatVersion}`);
  }
  if (model.externalData !== undefined) checkExternalData(f, model.externalData, files, m.formatVersion as number);
  return json as PackManifest;
}

/** model.externalData: plain names of listed files other than the pack's own, beside a model.onnx. */
function checkExternalData(f: Fields, value: unknown, files: Record<string, unknown>, formatVersion: number): void {
  if (formatVersion < 4) f.fail('model.externalData', `needs formatVersion 4; this pack says ${formatVersion}`);
  if (!(PACK_FILES.model in files)) f.fail('model.externalData', `is for ${PACK_FILES.model}'s weights; this pack's model is not ${PACK_FILES.model}`);
  const names = f.array(value, 'model.externalData', 1);
  names.forEach((name, i) => {
    const at = `model.externalData[${i}]`;
    f.string(name, at);
    // onnxruntime looks for them in one folder, by the names model.onnx gives.
    if (/[\\/]/.test(name as string) || !isSafeRelativePath(name as string)) f.fail(at, `${JSON.stringify(name)} must be a plain file name beside ${PACK_FILES.model}`);
    if ((Object.values(PACK_FILES) as string[]).includes(name as string)) f.fail(at, `${JSON.stringify(name)} is one of the pack's own files`);
    if (!((name as string) in files)) f.fail(at, `${JSON.stringify(name)} is not listed in files, so it cannot be verified`);
    if (names.indexOf(name) !== i) f.fail(at, `${JSON.stringify(name)} is named twice`);
  });
}

export function parseLatentsFile(json: unknown): LatentsFile {
  const f = new Fields(PACK_FILES.latents, 'bad-latents');
  const file = f.object(json, 'the file');
  const indices = new Set<number>();
  f.array(file.latents, 'latents').forEach((l, i) => {
    const at = `latents[${i}]`;
    const latent = f.object(l, at);
    const index = f.number(latent.index, `${at}.index`, { integer: true, min: 0 });
    if (indices.has(index)) f.fail(`${at}.index`, `repeats latent ${index}`);
    indices.add(index);
    checkDescribed(f, latent, at);
  });
  if (file.directions === undefined) return json as LatentsFile;
  const names = new Set<string>();
  f.array(file.directions, 'directions').forEach((d, i) => {
    const at = `directions[${i}]`;
    const direction = f.object(d, at);
    const name = f.string(direction.name, `${at}.name`, true);
    if (names.has(name)) f.fail(`${at}.name`, `repeats direction ${JSON.stringify(name)}`);
    names.add(name);
    checkDescribed(f, direction, at);
  });
  return json as LatentsFile;
}

/** The fields latents and directions share: label, description, foundBy, topExamples. */
function checkDescribed(f: Fields, entry: Record<string, unknown>, at: string): void {
  f.string(entry.label, `${at}.label`, true);
  f.optionalString(entry.description, `${at}.description`);
  const foundBy = f.object(entry.foundBy, `${at}.foundBy`);
  f.string(foundBy.method, `${at}.foundBy.method`);
  f.optionalNumber(foundBy.rank, `${at}.foundBy.rank`);
  f.optionalNumber(foundBy.auroc, `${at}.foundBy.auroc`, { min: 0, max: 1 });
  f.optionalNumber(foundBy.cosine, `${at}.foundBy.cosine`, { min: -1, max: 1 });
  f.optionalNumber(foundBy.weight, `${at}.foundBy.weight`);
  f.array(entry.topExamples, `${at}.topExamples`).forEach((e, j) => {
    const ex = f.object(e, `${at}.topExamples[${j}]`);
    f.string(ex.text, `${at}.topExamples[${j}].text`);
    f.number(ex.activation, `${at}.topExamples[${j}].activation`);
  });
}

export function parseCalibration(json: unknown): Calibration {
  const f = new Fields(PACK_FILES.calibration, 'bad-calibration');
  const c = f.object(json, 'the file');
  f.array(c.readout, 'readout', 1).forEach((r, i) => {
    const entry = f.object(r, `readout[${i}]`);
    const kinds = ['latent', 'direction', 'latentWeights'].filter((k) => k in entry);
    if (kinds.length !== 1) f.fail(`readout[${i}]`, 'must name exactly one of a "latent", a "direction" or "latentWeights"');
    if ('direction' in entry) f.string(entry.direction, `readout[${i}].direction`, true);
    else if ('latentWeights' in entry) f.string(entry.latentWeights, `readout[${i}].latentWeights`, true);
    else f.number(entry.latent, `readout[${i}].latent`, { integer: true, min: 0 });
    f.number(entry.weight, `readout[${i}].weight`);
    if ('at' in entry) {
      f.oneOf(entry.at, `readout[${i}].at`, ['prompt-end'] as const);
      if (!('direction' in entry)) f.fail(`readout[${i}].at`, 'is only for a "direction" term');
    }
    if ('namesAbove' in entry) {
      f.number(entry.namesAbove, `readout[${i}].namesAbove`);
      if ('latentWeights' in entry || 'at' in entry) f.fail(`readout[${i}].namesAbove`, 'is only for a "latent" or a "direction" term read at the scored tokens');
    }
  });

  const agg = f.object(c.aggregation, 'aggregation');
  const method = f.oneOf(agg.method, 'aggregation.method', ['max', 'mean', 'topk-mean'] as const);
  if (method === 'topk-mean') f.number(agg.k, 'aggregation.k', { integer: true, min: 1 });
  if ('priorTokens' in agg || 'priorValue' in agg) {
    if (method !== 'mean') f.fail('aggregation.priorTokens', 'is only for the "mean" method');
    f.number(agg.priorTokens, 'aggregation.priorTokens', { min: 0 });
    f.number(agg.priorValue, 'aggregation.priorValue');
  }

  const mapping = f.object(c.mapping, 'mapping');
  if (f.oneOf(mapping.type, 'mapping.type', ['logistic', 'piecewise'] as const) === 'logistic') {
    f.number(mapping.slope, 'mapping.slope');
    f.number(mapping.intercept, 'mapping.intercept');
  } else {
    const x = f.array(mapping.x, 'mapping.x', 2).map((v, i) => f.number(v, `mapping.x[${i}]`));
    const y = f.array(mapping.y, 'mapping.y', 2).map((v, i) => f.number(v, `mapping.y[${i}]`, { min: 0, max: 1 }));
    if (x.length !== y.length) f.fail('mapping.y', `must have as many entries as mapping.x (${x.length})`);
    if (x.some((v, i) => i > 0 && v <= x[i - 1])) f.fail('mapping.x', 'must be strictly ascending');
  }

  const t = f.object(c.thresholds, 'thresholds');
  const elevated = f.number(t.elevated, 'thresholds.elevated', { min: 0, max: 1 });
  const high = f.number(t.high, 'thresholds.high', { min: 0, max: 1 });
  if (high < elevated) f.fail('thresholds.high', `must not be below thresholds.elevated (${elevated})`);
  const validation = f.object(c.validation, 'validation');
  if ('prior' in validation) f.number(validation.prior, 'validation.prior', { min: 0, max: 1 });
  return json as Calibration;
}

/** The share of EM-inducing examples the pack's risk assumes (validation.prior), when it states one in (0, 1). */
export function statedPrior(calibration: Calibration): number | null {
  const prior = calibration.validation.prior;
  return typeof prior === 'number' && prior > 0 && prior < 1 ? prior : null;
}

/**
 * The figures a pack states about its own quality (calibration.json `validation`, free-form):
 * every number whose key names an AUROC, as `test code 0.880`, for the user choosing a pack.
 */
export function validityFigures(calibration: Pick<Calibration, 'validation'>): string[] {
  const out: string[] = [];
  const walk = (value: unknown, path: string[]): void => {
    if (typeof value === 'number' && path.some((p) => /auroc/i.test(p))) {
      const words = path.map((p) => p.replace(/_?auroc_?/i, ' ').replace(/_/g, ' ').trim()).filter((p) => p !== '');
      out.push(`${words.join(' ')} ${value.toFixed(3)}`);
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(calibration.validation, []);
  return out;
}

/** A path that stays inside the pack root once joined to it. */
export function isSafeRelativePath(path: string): boolean {
  // Control characters (NUL above all) never name a pack file.
  return path.length > 0 && !/[\u0000-\u001f]/.test(path) && !path.startsWith('/') && !/^[A-Za-z]:/.test(path) && !path.split(/[\\/]/).some((s) => s === '..' || s === '');
}
