// `persona-lens convert-sae`: a public SAE (Gemma Scope params.npz, a sparsify
// folder) to the SAELens files of a pack's sae/ folder. Returns the exit code:
// 0 written, 2 could not convert (the message names the file and the problem).

import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convertGemmaScope, convertSparsify, type ConvertedSae } from '../core/sae/convert';
import type { ConvertSaeCommand } from './args';

const OUT_CFG = 'cfg.json';
const OUT_WEIGHTS = 'sae_weights.safetensors';

export async function convertSae(cmd: ConvertSaeCommand): Promise<number> {
  try {
    const sae = await convert(cmd);
    await writeOutputs(cmd.outDir, sae);
    const { architecture, d_in, d_sae } = sae.cfg;
    process.stdout.write(
      `wrote ${join(cmd.outDir, OUT_CFG)} and ${join(cmd.outDir, OUT_WEIGHTS)} (${architecture}, d_in ${d_in}, d_sae ${d_sae})\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`persona-lens: ${(err as Error).message}\n`);
    return 2;
  }
}

async function convert(cmd: ConvertSaeCommand): Promise<ConvertedSae> {
  const opts = cmd.hookName === null ? {} : { hookName: cmd.hookName };
  if (cmd.from === 'gemma-scope') {
    // Gemma Scope's layout is <layer>/<width>/<l0>/params.npz; accept that folder too.
    const isDir = (await stat(cmd.input).catch(() => null))?.isDirectory() ?? false;
    const npzPath = isDir ? join(cmd.input, 'params.npz') : cmd.input;
    const npz = await read(npzPath);
    return converting(npzPath, () => convertGemmaScope(npz, opts));
  }
  // One after the other: with both missing, the error names cfg.json every time (read together, whichever failed first).
  const cfg = await read(join(cmd.input, 'cfg.json'));
  const weights = await read(join(cmd.input, 'sae.safetensors'));
  return converting(cmd.input, () => convertSparsify(cfg.toString('utf8'), weights, opts));
}

async function read(path: string): Promise<Buffer> {
  return readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
}

function converting(source: string, fn: () => ConvertedSae): ConvertedSae {
  try {
    return fn();
  } catch (err) {
    throw new Error(`cannot convert ${source}: ${(err as Error).message}`);
  }
}

/** Never overwrites: an existing SAE in OUTDIR is kept, and the command says so. */
async function writeOutputs(outDir: string, sae: ConvertedSae): Promise<void> {
  const files: Array<[string, string | Uint8Array]> = [
    [join(outDir, OUT_CFG), JSON.stringify(sae.cfg, null, 2) + '\n'],
    [join(outDir, OUT_WEIGHTS), sae.weights],
  ];
  await mkdir(outDir, { recursive: true }).catch((err: Error) => {
    throw new Error(`cannot create ${outDir}: ${err.message}`);
  });
  for (const [path] of files) {
    if (await stat(path).then(() => true, () => false)) throw new Error(`${path} already exists; not overwriting it`);
  }
  for (const [path, data] of files) {
    await writeFile(path, data, { flag: 'wx' }).catch((err: Error) => {
      throw new Error(`cannot write ${path}: ${err.message}`);
    });
  }
}
