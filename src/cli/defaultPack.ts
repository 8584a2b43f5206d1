// Which pack a scan uses: --pack, else the embedded default pack, else (until
// the default pack is built) the tiny test pack, with a notice that says its
// scores mean nothing.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const DEFAULT_PACK = join('packs', 'persona-mini');
export const TEST_PACK = join('test', 'fixtures', 'packs', 'tiny');

/** The project root: the nearest folder above this module holding package.json (bundled or not). */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

export function resolvePack(requested: string | null, notify: (notice: string) => void, root = projectRoot()): string {
  if (requested) return requested;
  const embedded = join(root, DEFAULT_PACK);
  if (existsSync(join(embedded, 'pack.json'))) return embedded;
  notify(
    'persona-lens: NOTICE: the default pack (packs/persona-mini) is not built yet; using the TEST pack, ' +
      'whose weights are random: its risks do not measure anything. Pass --pack to use a real pack.',
  );
  return join(root, TEST_PACK);
}
