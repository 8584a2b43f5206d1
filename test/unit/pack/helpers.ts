// Shared by the pack tests: a scratch copy of the tiny pack (or of its format-2
// variant) to break one thing in.

import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { generatePack } from '../../../tools/test-pack/pack';

export const TINY = join(__dirname, '../../fixtures/packs/tiny');

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'persona-lens-pack-test-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A copy of a pack (the tiny pack by default) in a fresh temp folder. */
export function copyPack(from = TINY): string {
  const dir = join(scratchDir(), 'pack');
  cpSync(from, dir, { recursive: true });
  return dir;
}

/** Writes the tiny pack's format-2 variant (a persona vector in its read-out and latents.json) into a fresh temp folder. */
export async function generateDirectionsPack(): Promise<string> {
  const dir = join(scratchDir(), 'pack');
  await generatePack(dir, { directions: true });
  return dir;
}

export function readJson(dir: string, rel: string): any {
  return JSON.parse(readFileSync(join(dir, rel), 'utf8'));
}

export function writeJson(dir: string, rel: string, value: unknown): void {
  writeFileSync(join(dir, rel), JSON.stringify(value, null, 2));
}

/** Updates pack.json's sha256 list to the files as they now are, so a test reaches the check after hashing. */
export function rehash(dir: string): void {
  const manifest = readJson(dir, 'pack.json');
  for (const rel of Object.keys(manifest.files)) {
    manifest.files[rel] = createHash('sha256').update(readFileSync(join(dir, rel))).digest('hex');
  }
  writeJson(dir, 'pack.json', manifest);
}

/**
 * A copy of a pack with its model.onnx converted by onnxruntime itself to model.ort
 * (ORT format, pack format 3), as the pack builder ships the embedded pack.
 */
export async function ortFormatPack(from = TINY): Promise<string> {
  const dir = copyPack(from);
  const session = await ort.InferenceSession.create(join(dir, 'model.onnx'), {
    graphOptimizationLevel: 'extended',
    optimizedModelFilePath: join(dir, 'model.ort'),
    extra: { session: { save_model_format: 'ORT' } },
  });
  await session.release();
  rmSync(join(dir, 'model.onnx'));
  const manifest = readJson(dir, 'pack.json');
  manifest.formatVersion = 3;
  delete manifest.files['model.onnx'];
  manifest.files['model.ort'] = '';
  writeJson(dir, 'pack.json', manifest);
  rehash(dir);
  return dir;
}
