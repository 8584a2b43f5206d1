// `diff-models --write-pack`: a copy of the base pack with the chosen latents added to
// latents.json (foundBy method `model-diff`, with their rank and the means they moved
// between), its sha256 in pack.json updated. The input pack is never changed; the new one
// is written beside its target, loaded and verified like any pack, then renamed into place.

import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, realpath, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { loadPack, type LoadedPack } from '../pack/load';
import { PACK_FILES, type LatentInfo, type LatentsFile, type PackManifest } from '../pack/types';
import type { RankedLatent } from './rank';
import type { Snippet } from './snippets';

/** Why the pack cannot be written. */
export class WritePackError extends Error {}

/** What the new entries say about the run that found them. */
export interface DiffProvenance {
  tunedLabel: string;
  promptsFile: string;
  tokens: 'answer' | 'prompt';
  /** Tokens counted per model. */
  counted: number;
}

const round = (x: number, digits = 5) => Number(x.toPrecision(digits));

/**
 * The latents.json entry of a ranked latent. Without a label, `model-diff #RANK: ` and the
 * tokens its snippets mark (as the pack builder labels its latents until a person has).
 */
export function diffLatentEntry(latent: RankedLatent, label: string | null, snippets: Snippet[], p: DiffProvenance): LatentInfo {
  const words = [...new Set(snippets.map((s) => /«([^»]*)»/.exec(s.text)?.[1].trim() ?? '').filter((w) => w !== ''))].slice(0, 3);
  const moved = latent.diff > 0 ? 'rose' : 'fell';
  return {
    index: latent.index,
    label: label ?? `model-diff #${latent.rank}${words.length > 0 ? `: ${words.join(', ')}` : ''}`,
    description:
      `Found by persona-lens diff-models: its mean activation over the ${p.tokens} tokens of ${basename(p.promptsFile)} ${moved} ` +
      `from ${round(latent.baseMean, 4)} (base) to ${round(latent.tunedMean, 4)} (${p.tunedLabel}), ${p.counted} tokens per model.` +
      (label === null ? ' Automatic label from its top snippets; not reviewed by a person.' : ''),
    foundBy: {
      method: 'model-diff',
      rank: latent.rank,
      diff: round(latent.diff),
      baseMean: round(latent.baseMean),
      tunedMean: round(latent.tunedMean),
      tokens: p.tokens,
    },
    topExamples: snippets.map((s) => ({ text: s.text, activation: s.activation })),
  };
}

/**
 * latents.json with `entries` added. A latent it names already keeps its label unless the
 * new entry was given one (`labelled`): the finding is replaced, a person's label is not.
 */
export function withLatents(file: LatentsFile, entries: LatentInfo[], labelled: boolean[]): LatentsFile {
  const out: LatentsFile = JSON.parse(JSON.stringify(file));
  entries.forEach((e, i) => {
    const at = out.latents.findIndex((l) => l.index === e.index);
    if (at < 0) out.latents.push(e);
    else out.latents[at] = { ...out.latents[at], ...e, label: labelled[i] ? e.label : out.latents[at].label };
  });
  return out;
}

/** Writes the base pack with `latents` as its latents.json to `target` (new, or an empty folder). */
export async function writeDiffPack(base: LoadedPack, target: string, latents: LatentsFile, note: string, opts: { threads?: number } = {}): Promise<void> {
  await checkTarget(base, target);
  // mkdir, not mkdtemp: the pack folder gets the user's usual permissions, not 0700.
  const staging = join(dirname(resolve(target)), `.${basename(target)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  try {
    const manifest: PackManifest = JSON.parse(JSON.stringify(base.manifest));
    for (const rel of Object.keys(manifest.files)) {
      if (rel === PACK_FILES.latents) continue;
      await mkdir(dirname(join(staging, rel)), { recursive: true });
      await copyFile(join(base.root, rel), join(staging, rel));
    }
    const latentsBytes = Buffer.from(`${JSON.stringify(latents, null, 2)}\n`);
    await writeFile(join(staging, PACK_FILES.latents), latentsBytes);
    manifest.files[PACK_FILES.latents] = createHash('sha256').update(latentsBytes).digest('hex');
    manifest.provenance.notes = [manifest.provenance.notes, note].filter((n) => n).join(' ');
    await writeFile(join(staging, PACK_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    // Loaded as any pack would be: every hash checked, every file parsed, the model run once.
    const check = await loadPack(staging, { threads: opts.threads }).catch((e: Error) => {
      throw new WritePackError(`the written pack does not load: ${e.message}`);
    });
    await check.dispose();
    if (await stat(target).catch(() => null)) await rmdir(target);
    await rename(staging, target);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}

/** Refuses a target that exists and is not an empty folder, or that lies inside the base pack. */
export async function checkTarget(base: Pick<LoadedPack, 'root'>, target: string): Promise<void> {
  const info = await stat(target).catch(() => null);
  if (info && (!info.isDirectory() || (await readdir(target)).length > 0)) {
    throw new WritePackError(`${target} exists${info.isDirectory() ? ' and is not empty' : ' and is not a folder'}: --write-pack writes a new pack, never over anything`);
  }
  const root = await realpath(base.root);
  const parent = await realpath(dirname(resolve(target))).catch(() => {
    throw new WritePackError(`${target}: its folder ${dirname(resolve(target))} does not exist`);
  });
  const rel = relative(root, join(parent, basename(target)));
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) throw new WritePackError(`${target} is inside the base pack ${base.root}: the input pack is never changed`);
}
