// The tuned model of `diff-models`: a second model with the pack contract's interface
// (input_ids, attention_mask -> hidden), given as a pack (folder or archive) or as a bare
// model.onnx / model.ort. It must read the base pack's tokens and give the hidden state at
// the same hook: checked where the files can say so (a pack's tokenizer hash and hook point)
// and always by a test run (the width of `hidden`).

import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { extractPackArchive } from '../pack/archive';
import type { LoadedPack } from '../pack/load';
import { DEFAULT_PACK_CACHE } from '../pack/load';
import { parsePackManifest } from '../pack/manifest';
import { readPackBytes } from '../pack/packFile';
import { MODEL_FILES, PACK_FILES } from '../pack/types';
import { ModelSession, type Device } from '../model/session';

/** Why the tuned model cannot be diffed against the base pack. */
export class TunedModelError extends Error {}

export interface TunedModel {
  session: ModelSession;
  /** What it is, for reports: `pack NAME VERSION` or the model file's name. */
  label: string;
  /** What could not be checked (a bare model has no tokenizer or hook point to compare). */
  unchecked: string[];
}

const ARCHIVE = /\.(tar|tar\.gz|tgz)$/i;

export async function loadTunedModel(path: string, base: LoadedPack, opts: { threads?: number; device?: Device; cacheDir?: string } = {}): Promise<TunedModel> {
  const info = await stat(path).catch(() => {
    throw new TunedModelError(`${path}: no such file or folder`);
  });
  let bytes: Uint8Array;
  let label: string;
  const unchecked: string[] = [];
  if (info.isDirectory() || ARCHIVE.test(path)) {
    const root = info.isDirectory() ? path : await extractPackArchive(path, opts.cacheDir ?? DEFAULT_PACK_CACHE);
    const manifest = parsePackManifest(JSON.parse((await readPackBytes(root, PACK_FILES.manifest).catch(() => {
      throw new TunedModelError(`${path}: a folder given as the tuned model must be a pack (it has no ${PACK_FILES.manifest}); or name its model.onnx / model.ort`);
    })).toString('utf8')));
    const tok = PACK_FILES.tokenizer;
    if (manifest.files[tok] !== base.manifest.files[tok]) {
      throw new TunedModelError(`${path}: its ${tok} is not the base pack's (sha256 ${manifest.files[tok]?.slice(0, 12)}… vs ${base.manifest.files[tok]?.slice(0, 12)}…): both models must read the same tokens`);
    }
    if (manifest.model.hookPoint !== base.manifest.model.hookPoint) {
      throw new TunedModelError(`${path}: its hook point is ${manifest.model.hookPoint}, the base pack's ${base.manifest.model.hookPoint}: the SAE reads one layer`);
    }
    const file = MODEL_FILES.find((f) => f in manifest.files) ?? PACK_FILES.model;
    bytes = await readPackBytes(root, file, manifest.files[file]);
    label = `pack ${manifest.name} ${manifest.version}`;
  } else {
    bytes = await readFile(path);
    label = basename(path);
    unchecked.push(`${label} is a bare model: that it reads the base pack's tokenizer and gives ${base.manifest.model.hookPoint} is taken on trust`);
  }
  let session: ModelSession;
  try {
    session = await ModelSession.create(bytes, { threads: opts.threads, device: opts.device });
  } catch (e) {
    throw new TunedModelError(`${path}: ${(e as Error).message}`);
  }
  try {
    const pad = BigInt(base.manifest.model.padTokenId);
    const { dModel } = await session.run(BigInt64Array.of(pad), BigInt64Array.of(1n), 1, 1).catch((e: Error) => {
      throw new TunedModelError(`${path}: a test run on one token failed: ${e.message}`);
    });
    if (dModel !== base.manifest.model.dModel) {
      throw new TunedModelError(`${path}: its "hidden" output has ${dModel} values per token, the base pack's model ${base.manifest.model.dModel}: not the same model family or layer`);
    }
  } catch (e) {
    await session.dispose();
    throw e;
  }
  return { session, label, unchecked };
}
