// The packs that ship with the project, and which one a scan uses when the user
// names none: the embedded default pack, else (until it is built) the tiny test
// pack. The test pack's weights are random, so callers must say so loudly.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const DEFAULT_PACK = join('packs', 'persona-mini');
export const TEST_PACK = join('test', 'fixtures', 'packs', 'tiny');

export const TEST_PACK_NOTICE =
  'the default pack (packs/persona-mini) is not built yet; using the TEST pack, ' +
  'whose weights are random: its risks do not measure anything.';

/** The project root: the nearest folder above this module holding package.json (bundled or not). */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

/** The embedded default pack when it is there, else the test pack. */
export function builtInPack(root = projectRoot()): { path: string; isTestPack: boolean } {
  const embedded = join(root, DEFAULT_PACK);
  if (existsSync(join(embedded, 'pack.json'))) return { path: embedded, isTestPack: false };
  return { path: join(root, TEST_PACK), isTestPack: true };
}
