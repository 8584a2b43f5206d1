// `persona-lens pack list`: the packs in the pack store, one a line on stdout (name, version,
// folder, separated by tabs, for `cut` and `--pack`); a folder whose pack.json cannot be
// read is named on stderr with the reason.

import { defaultPackStore } from '../core/pack/fetch/store';
import { listStore } from '../core/pack/fetch/storeList';
import type { ListCommand } from './args';

export async function listPacksCommand(cmd: ListCommand): Promise<number> {
  const store = cmd.store ?? defaultPackStore();
  const packs = await listStore(store);
  if (packs.length === 0) process.stderr.write(`persona-lens: no packs in ${store}\n`);
  for (const p of packs) {
    if (p.manifest) process.stdout.write(`${field(p.manifest.name)}\t${field(p.manifest.version)}\t${p.path}\n`);
    else process.stderr.write(`persona-lens: ${p.path}: cannot be read: ${p.problem}\n`);
  }
  return 0;
}

/** A manifest's free text as one field: a tab or a line break in it would split the line. */
function field(text: string): string {
  return /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}
