// What the CLI's commands share: the failure that means exit 2, the pack and the result cache.

import { access, constants, stat } from 'node:fs/promises';
import type { ResultCache } from '../core/cache/resultCache';
import { defaultCacheRoot } from '../core/cache/cacheRoot';
import { builtInPack } from '../core/pack/builtIn';
import { loadPack, type LoadedPack } from '../core/pack/load';
import type { ExampleScore } from '../core/score/types';
import { openScoreCache } from '../core/score/validate';
import { openOutput } from './outputTarget';
import type { PackOptions } from './args';

declare const PERSONA_LENS_VERSION: string | undefined;
/** The CLI's version (set by the bundler). */
export const VERSION = typeof PERSONA_LENS_VERSION === 'string' ? PERSONA_LENS_VERSION : '0.0.0-dev';
export const INFO_URI = 'https://github.com/persona-lens/persona-lens';

/** A failure that means the command could not run (exit 2), with the message to print. */
export class CannotRun extends Error {}

/** The named pack (the embedded default when null), or CannotRun saying why not. */
export async function loadPackOrFail(opts: Pick<PackOptions, 'pack' | 'threads' | 'device'>): Promise<{ pack: LoadedPack; path: string }> {
  const path = opts.pack ?? builtInPack();
  const pack = await loadPack(path, { threads: opts.threads, device: opts.device }).catch((err: Error) => {
    throw new CannotRun(`cannot load pack ${path}: ${err.message}`);
  });
  if (pack.model.deviceProblem) process.stderr.write(`persona-lens: ${pack.model.deviceProblem}\n`);
  return { pack, path };
}

/** The result cache for `pack`, or null (said on stderr) when it cannot open. */
export function openCache(cacheDir: string | null, pack: LoadedPack): ResultCache<ExampleScore> | null {
  const opened = openScoreCache(cacheDir ?? defaultCacheRoot(), pack.hash, (n) => process.stderr.write(`persona-lens: ${n.message}\n`));
  if (!('problem' in opened)) return opened;
  process.stderr.write(`persona-lens: ${opened.problem}\n`);
  return null;
}

/** Writes a whole report to `output` (through a temporary file renamed into place), or to stdout. */
export async function writeReport(output: string | null, text: string): Promise<void> {
  if (!output) {
    process.stdout.write(text);
    return;
  }
  const target = openOutput(output);
  target.stream.end(text);
  await new Promise<void>((res, rej) => target.stream.once('finish', res).once('error', rej)).catch((err: Error) => {
    target.abandon();
    throw new CannotRun(`cannot write ${output}: ${err.message}`);
  });
  await target.commit();
}

/** CannotRun unless every file can be read as a dataset (not missing, not a directory). */
export async function checkReadable(files: readonly string[]): Promise<void> {
  for (const file of files) {
    await access(file, constants.R_OK).catch((err: NodeJS.ErrnoException) => {
      throw new CannotRun(`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    });
    if ((await stat(file)).isDirectory()) throw new CannotRun(`cannot read ${file}: it is a directory, not a dataset file`);
  }
}
