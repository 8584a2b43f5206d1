// The user's pack store: the packs `pack fetch` installed, each in a folder of its own,
// `<store>/<name>@<version>/`, and `<store>/.staging/`, where downloads are put together.
// A pack appears under its own name by one rename, once every file is verified: a
// folder in the store is a whole pack or is not there.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCacheRoot } from '../../cache/cacheRoot';
import { PACK_FILES, type PackManifest } from '../types';
import { verifyPackFiles } from '../verify';
import { FetchError } from './http';

/** `$XDG_CACHE_HOME/persona-lens/store`: beside the result cache and archive extractions, private like them. */
export function defaultPackStore(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultCacheRoot(env), 'store');
}

/** Where downloads are put together, out of the way of the packs. */
export const STAGING = '.staging';

/**
 * The folder name of a pack in the store: `name@version`, or with `hash` (of its pack.json)
 * `name@version+<12 hex>`, for a second pack under the same name and version. A manifest's
 * name is free text: anything but letters, digits and ._+- becomes "_", and it never starts with a dot.
 */
export function installName(m: Pick<PackManifest, 'name' | 'version'>, hash?: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^\.+/, '_').slice(0, 100) || '_';
  return `${clean(m.name)}@${clean(m.version)}${hash ? `+${hash.slice(0, 12)}` : ''}`;
}

type Holding = 'none' | 'same' | 'damaged' | 'other';

/** What a store folder holds against the pack whose pack.json hashes to `hash`. */
async function holding(dir: string, files: Record<string, string>, hash: string): Promise<Holding> {
  if (!existsSync(dir)) return 'none';
  const manifest = await readFile(join(dir, PACK_FILES.manifest)).catch(() => null);
  if (!manifest || createHash('sha256').update(manifest).digest('hex') !== hash) return 'other';
  return verifyPackFiles(dir, files).then(
    () => 'same',
    () => 'damaged',
  );
}

/** An installed copy of this pack whose every file verifies, or null. */
export async function installedCopy(store: string, manifest: PackManifest, hash: string): Promise<string | null> {
  for (const name of [installName(manifest), installName(manifest, hash)]) {
    if ((await holding(join(store, name), manifest.files, hash)) === 'same') return join(store, name);
  }
  return null;
}

/**
 * Moves the verified pack folder `staged` into the store under its name and answers where.
 * A damaged copy of the same pack is replaced; a different pack under the same name and
 * version is left alone, and this one goes beside it with its hash in the name.
 */
export async function install(staged: string, store: string, manifest: PackManifest, hash: string): Promise<string> {
  for (const name of [installName(manifest), installName(manifest, hash)]) {
    const dir = join(store, name);
    // Twice: a concurrent fetch may install it between the look and the rename.
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = await holding(dir, manifest.files, hash);
      if (now === 'other') break;
      if (now === 'same') {
        await rm(staged, { recursive: true, force: true });
        return dir;
      }
      const trash = join(store, STAGING, `trash-${randomBytes(6).toString('hex')}`);
      if (now === 'damaged') await rename(dir, trash);
      try {
        await rename(staged, dir);
        await rm(trash, { recursive: true, force: true });
        return dir;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      }
    }
  }
  throw new FetchError(`${store}: both ${installName(manifest)} and ${installName(manifest, hash)} hold other packs`);
}

/**
 * Holds `lockFile` while a fetch writes to a staging folder: two fetches of one pack would
 * write the same part files. A lock left by a process that is gone is taken over.
 * Answers the function that releases it.
 */
export async function lockStaging(lockFile: string): Promise<() => Promise<void>> {
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lockFile, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => rm(lockFile, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(await readFile(lockFile, 'utf8').catch(() => ''));
      if (attempt > 0 || isRunning(pid)) {
        throw new FetchError(`another pack fetch (process ${pid || 'unknown'}) is downloading this pack; wait for it to end (or, if it is gone, delete ${lockFile})`);
      }
      await rm(lockFile, { force: true });
    }
  }
}

/** How long a download may sit in `.staging` untouched before a fetch gives it up (mtimes: a resume freshens them). */
export const STALE_STAGING_MS = 7 * 24 * 3600 * 1000;

/**
 * Removes what `.staging` holds that nothing touched for `maxAgeMs`: downloads given up on,
 * whose parts would otherwise stay forever. Each goes under its own lock (lockStaging), so a
 * fetch at work on it, in any process, keeps it; one that resumed lately is fresh by its
 * files' mtimes. Answers the names removed; a failure removes less, and never throws.
 */
export async function cleanStaging(store: string, now = Date.now(), maxAgeMs = STALE_STAGING_MS): Promise<string[]> {
  const staging = join(store, STAGING);
  const names = await readdir(staging).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const lock = name.endsWith('.lock');
    // A lock goes with its folder; one left alone (its fetch gone) is cleaned on its own.
    if (lock && names.includes(name.slice(0, -'.lock'.length))) continue;
    const entry = join(staging, name);
    const stale = () => touchedSince(entry, now - maxAgeMs).then((fresh) => !fresh, () => false);
    if (!(await stale())) continue;
    const unlock = await lockStaging(lock ? entry : `${entry}.lock`).catch(() => null);
    if (!unlock) continue;
    try {
      // Again under the lock: a fetch may have resumed it between the look and the lock. (A
      // lone lock is now this process's own, and goes.)
      if (lock || (await stale())) {
        await rm(entry, { recursive: true, force: true });
        removed.push(name);
      }
    } catch {
      // Left for the next fetch to try.
    } finally {
      await unlock().catch(() => undefined);
    }
  }
  return removed;
}

/** Whether anything in `path` (itself, or below it, links not followed) was modified after `cutoff`. */
async function touchedSince(path: string, cutoff: number): Promise<boolean> {
  const info = await lstat(path);
  if (info.mtimeMs > cutoff) return true;
  if (!info.isDirectory()) return false;
  for (const name of await readdir(path)) if (await touchedSince(join(path, name), cutoff)) return true;
  return false;
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
