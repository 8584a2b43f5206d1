// The packs that ship with the project: the embedded default pack, which a scan
// uses when the user names none, and the tiny test pack (random weights) that
// tests and benchmarks name explicitly.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const DEFAULT_PACK = join('packs', 'persona-smollm2');
export const TEST_PACK = join('test', 'fixtures', 'packs', 'tiny');

/** The project root: the nearest folder above this module holding package.json (bundled or not). */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

/** The embedded default pack's folder. */
export function builtInPack(root = projectRoot()): string {
  return join(root, DEFAULT_PACK);
}
