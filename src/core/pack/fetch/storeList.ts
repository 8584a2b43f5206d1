// The packs installed in the pack store (store.ts), for Select Pack and `pack list`: each
// `<name>@<version>` folder with what its pack.json says of it. Only pack.json is read and
// checked (no model loaded, no file hashed: the loader does that when the pack is used),
// and a folder whose pack.json cannot be read is listed with the reason, never thrown.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePackManifest } from '../manifest';
import { PACK_FILES } from '../types';

export interface StoredPack {
  /** The folder, `<store>/<name>@<version>[+hash]`. */
  path: string;
  /** Its name in the store. */
  folder: string;
  /** What its pack.json says; null when it cannot be read, and then `problem` says why. */
  manifest: { name: string; version: string; description: string } | null;
  problem?: string;
}

/** The store's packs, by name and then version (numbers compared as numbers); none when the store does not exist. */
export async function listStore(store: string): Promise<StoredPack[]> {
  const entries = await readdir(store, { withFileTypes: true }).catch(() => []);
  // Dot folders (.staging) are the store's own; every pack folder's name holds "@".
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name.includes('@')).map((e) => e.name);
  const packs = await Promise.all(folders.map((folder) => storedPack(store, folder)));
  const keys = (p: StoredPack) => [p.manifest?.name ?? p.folder, p.manifest?.version ?? '', p.folder];
  const order = (a: StoredPack, b: StoredPack) => {
    const [ka, kb] = [keys(a), keys(b)];
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i].localeCompare(kb[i], 'en', { numeric: true });
    return 0;
  };
  return packs.sort(order);
}

async function storedPack(store: string, folder: string): Promise<StoredPack> {
  const path = join(store, folder);
  try {
    const m = parsePackManifest(JSON.parse(await readFile(join(path, PACK_FILES.manifest), 'utf8')));
    return { path, folder, manifest: { name: m.name, version: m.version, description: m.description } };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? `no ${PACK_FILES.manifest}` : e instanceof SyntaxError ? `${PACK_FILES.manifest} is not valid JSON` : (e as Error).message;
    return { path, folder, manifest: null, problem };
  }
}
