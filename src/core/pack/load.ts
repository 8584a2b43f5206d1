// Loads a probe pack (folder or .tar/.tar.gz of one): checks hashes, parses and
// validates every file, checks that the pieces fit together, and opens the
// model and SAE sessions. Every problem becomes a PackError with its own code.

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCacheRoot } from '../cache/cacheRoot';
import { isOrtFormat, ModelSession, type Device } from '../model/session';
import { PackTokenizer } from '../model/tokenizer';
import { parseSaeConfig } from '../sae/config';
import { SaeEncoder } from '../sae/encode';
import { readSafetensors } from '../sae/safetensors';
import { saeWeightsFrom } from '../sae/weights';
import { extractPackArchive } from './archive';
import { stageExternalData } from './externalData';
import { packDirections } from './directions';
import { PackError, type PackErrorCode } from './errors';
import { parseCalibration, parseLatentsFile, parsePackManifest } from './manifest';
import { MODEL_FILES, PACK_FILES, type Calibration, type LatentsFile, type PackManifest, type SaeConfig } from './types';
import { readPackBytes } from './packFile';
import { SCANNED_FILES, verifyPackFiles } from './verify';

export interface LoadPackOptions {
  /** onnxruntime intra-op threads for the model and the SAE. */
  threads?: number;
  /** Where the model runs (the SAE's encode stays on the CPU); CPU, with model.deviceProblem saying why, where the device cannot be used. */
  device?: Device;
  /** Check every file against pack.json's sha256 list (default true). */
  verify?: boolean;
  /** Where archives are extracted, and external model data staged (default: packs/ in the user's persona-lens cache folder). */
  cacheDir?: string;
}

export interface LoadedPack {
  /** The folder the pack was loaded from (for an archive: its extraction). */
  root: string;
  manifest: PackManifest;
  /** sha256 of pack.json's bytes: the pack's identity (it holds every other file's hash). */
  hash: string;
  tokenizer: PackTokenizer;
  model: ModelSession;
  sae: SaeEncoder;
  saeConfig: SaeConfig;
  latents: LatentsFile;
  calibration: Calibration;
  /** The vectors of directions.safetensors by name, each [d_model]; empty when the pack has none. */
  directions: Map<string, Float32Array>;
  dispose(): Promise<void>;
}

/** Archives are extracted under the user's own cache folder, never the shared temp folder. */
export const DEFAULT_PACK_CACHE = join(defaultCacheRoot(), 'packs');

export async function loadPack(pathOrArchive: string, opts: LoadPackOptions = {}): Promise<LoadedPack> {
  const root = (await isDirectory(pathOrArchive))
    ? pathOrArchive
    : await extractPackArchive(pathOrArchive, opts.cacheDir ?? DEFAULT_PACK_CACHE);

  const manifestBytes = await readPackBytes(root, PACK_FILES.manifest);
  const manifest = parsePackManifest(parseJson(manifestBytes, PACK_FILES.manifest, 'bad-manifest'));
  const verify = opts.verify !== false;
  // Files the scanner uses are hashed as they are read (below); verifyPackFiles checks the rest.
  const externalData = manifest.model.externalData ?? [];
  // External data is hashed where onnxruntime will read it (stageExternalData), once.
  if (verify) await verifyPackFiles(root, manifest.files, [...SCANNED_FILES, ...externalData]);
  const readPackFile = (rel: string) => readPackBytes(root, rel, verify ? manifest.files[rel] : undefined);

  const readJson = async (rel: string, code: PackErrorCode) => parseJson(await readPackFile(rel), rel, code);
  // The parsed JSON is dropped once the tokenizer is built from it (tens of MB for a 49k vocabulary).
  const tokenizerJson = await readJson(PACK_FILES.tokenizer, 'bad-tokenizer');
  const tokenizer = asPackError('bad-tokenizer', PACK_FILES.tokenizer, () => PackTokenizer.fromJSON(tokenizerJson));
  const latents = parseLatentsFile(await readJson(PACK_FILES.latents, 'bad-latents'));
  const calibration = parseCalibration(await readJson(PACK_FILES.calibration, 'bad-calibration'));
  const cfgJson = await readJson(PACK_FILES.saeCfg, 'bad-sae');
  const saeConfig = asPackError('bad-sae', PACK_FILES.saeCfg, () => parseSaeConfig(cfgJson));
  checkFit(manifest, saeConfig, latents, calibration);
  checkFormatNeeds(manifest, calibration);
  const directionBytes = PACK_FILES.directions in manifest.files || !verify ? await readOptional(() => readPackFile(PACK_FILES.directions)) : null;
  const directionFile = directionBytes && asPackError('bad-directions', PACK_FILES.directions, () => readSafetensors(directionBytes));
  const directions = packDirections(directionFile, manifest, latents, calibration, saeConfig.dSae);
  const weightBytes = await readPackFile(PACK_FILES.saeWeights);
  const weights = asPackError('bad-sae', PACK_FILES.saeWeights, () => saeWeightsFrom(readSafetensors(weightBytes), saeConfig));

  // onnxruntime gets the bytes that were hashed, never the path: the file could be swapped in between.
  const modelFile = MODEL_FILES.find((f) => f in manifest.files) ?? PACK_FILES.model;
  const modelBytes = await readPackFile(modelFile);
  checkModelFormat(modelFile, modelBytes);
  const threads = opts.threads ?? 1;
  const staged = externalData.length > 0 ? await stageExternalData(root, externalData, verify ? manifest.files : undefined, opts.cacheDir ?? DEFAULT_PACK_CACHE) : null;
  // Without declared external data, onnxruntime is pointed at model.onnx itself as the folder: a
  // file, so no reference the model makes can find anything (by default it would look in the
  // working folder).
  const externalDataDir = staged?.dir ?? (modelFile === PACK_FILES.model ? join(root, modelFile) : undefined);
  const model = await asPackErrorAsync('bad-onnx', modelFile, () =>
    ModelSession.create(modelBytes, { threads, device: opts.device, externalDataDir }).catch((e: Error) => {
      // onnxruntime names the private staging folder; the user needs to know what the pack lacks.
      if (!/external data/i.test(e.message)) throw e;
      throw new Error(
        `its weights refer to ONNX external data that pack.json does not provide: every external data file must be listed in files and named in model.externalData (format 4). onnxruntime: ${e.message.replace(/^onnxruntime cannot load the model: /, '')}`,
      );
    }),
  ).finally(() => staged?.dispose());
  try {
    await checkModelWidth(model, manifest, modelFile);
    // An older scanner refuses the extra inputs with a message about the model; the format says it first.
    if (model.cache && manifest.formatVersion < 9) {
      throw new PackError('bad-onnx', `${modelFile}: the model takes past keys and values, which needs pack.json formatVersion 9 (this pack is format ${manifest.formatVersion})`, modelFile);
    }
    const sae = await asPackErrorAsync('bad-sae', PACK_FILES.saeWeights, () =>
      SaeEncoder.create(saeConfig, weights, { threads }),
    );
    return {
      root,
      manifest,
      hash: createHash('sha256').update(manifestBytes).digest('hex'),
      tokenizer,
      model,
      sae,
      saeConfig,
      latents,
      calibration,
      directions,
      dispose: async () => {
        await Promise.all([model.dispose(), sae.dispose()]);
      },
    };
  } catch (e) {
    await model.dispose();
    throw e;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PackError('missing-file', `${path}: no such pack folder or archive`);
    }
    throw e;
  }
}

/** A pack file a pack may leave out: null when it is not there. */
async function readOptional(read: () => Promise<Buffer>): Promise<Buffer | null> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof PackError && e.code === 'missing-file') return null;
    throw e;
  }
}

function parseJson(bytes: Buffer, file: string, code: PackErrorCode): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new PackError(code, `${file}: not valid JSON: ${(e as Error).message}`, file);
  }
}

function asPackError<T>(code: PackErrorCode, file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw wrapped(e, code, file);
  }
}

async function asPackErrorAsync<T>(code: PackErrorCode, file: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw wrapped(e, code, file);
  }
}

function wrapped(e: unknown, code: PackErrorCode, file: string): PackError {
  return e instanceof PackError ? e : new PackError(code, `${file}: ${(e as Error).message}`, file);
}

/** The static fit: pack.json's d_model vs the SAE, and every named latent vs d_sae. */
function checkFit(manifest: PackManifest, sae: SaeConfig, latents: LatentsFile, calibration: Calibration): void {
  const mismatch = (file: string, message: string) => new PackError('dimension-mismatch', `${file}: ${message}`, file);
  if (manifest.model.dModel !== sae.dIn) {
    throw mismatch(PACK_FILES.saeCfg, `d_in is ${sae.dIn} but pack.json model.dModel is ${manifest.model.dModel}`);
  }
  calibration.readout.forEach((r, i) => {
    if ('latent' in r && r.latent >= sae.dSae) {
      throw mismatch(PACK_FILES.calibration, `readout[${i}].latent ${r.latent} is out of range for the SAE's d_sae ${sae.dSae}`);
    }
  });
  latents.latents.forEach((l, i) => {
    if (l.index >= sae.dSae) {
      throw mismatch(PACK_FILES.latents, `latents[${i}].index ${l.index} is out of range for the SAE's d_sae ${sae.dSae}`);
    }
  });
}

/**
 * Fields an older scanner would read past, each needing the format that gave it meaning: a mean
 * with prior tokens (format 7) would read as a plain mean, a naming threshold (format 8) would
 * leave a term naming every example.
 */
function checkFormatNeeds(manifest: PackManifest, calibration: Calibration): void {
  const needs = (field: string, version: number) => {
    if (manifest.formatVersion < version) {
      throw new PackError('bad-calibration', `${PACK_FILES.calibration}: ${field} needs pack.json formatVersion ${version} (this pack is format ${manifest.formatVersion})`, PACK_FILES.calibration);
    }
  };
  const agg = calibration.aggregation;
  if (agg.method === 'mean' && agg.priorTokens !== undefined) needs('aggregation.priorTokens', 7);
  calibration.readout.forEach((r, i) => 'namesAbove' in r && r.namesAbove !== undefined && needs(`readout[${i}].namesAbove`, 8));
}

/** model.ort holds the ORT format and model.onnx does not: onnxruntime would run either, so the name must say which. */
function checkModelFormat(file: string, bytes: Uint8Array): void {
  const ort = isOrtFormat(bytes);
  if (file === PACK_FILES.modelOrt && !ort) {
    throw new PackError('bad-onnx', `${file}: not an ORT-format model (no "ORTM" file identifier); an ONNX model is called ${PACK_FILES.model}`, file);
  }
  if (file === PACK_FILES.model && ort) {
    throw new PackError('bad-onnx', `${file}: holds an ORT-format model; call it ${PACK_FILES.modelOrt} (pack format 3)`, file);
  }
}

/** Runs the model on one pad token: proves it runs and measures its real output width. */
async function checkModelWidth(model: ModelSession, manifest: PackManifest, file: string): Promise<void> {
  const { padTokenId, dModel } = manifest.model;
  const { dModel: actual } = await asPackErrorAsync('bad-onnx', file, () =>
    model.run(BigInt64Array.of(BigInt(padTokenId)), BigInt64Array.of(1n), 1, 1).catch((e: Error) => {
      throw new Error(`a test run on one token (padTokenId ${padTokenId}) failed: ${e.message}`);
    }),
  );
  if (actual !== dModel) {
    throw new PackError(
      'dimension-mismatch',
      `${file}: the "hidden" output has ${actual} values per token but pack.json model.dModel is ${dModel}`,
      file,
    );
  }
}
