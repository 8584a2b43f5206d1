// Which pack a scan uses: --pack, else the built-in one (src/core/pack/builtIn.ts),
// with a notice on stderr while that is the test pack.

import { builtInPack, projectRoot, TEST_PACK_NOTICE } from '../core/pack/builtIn';

export function resolvePack(requested: string | null, notify: (notice: string) => void, root = projectRoot()): string {
  if (requested) return requested;
  const pack = builtInPack(root);
  if (pack.isTestPack) notify(`persona-lens: NOTICE: ${TEST_PACK_NOTICE} Pass --pack to use a real pack.`);
  return pack.path;
}
