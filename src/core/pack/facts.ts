// One line about a pack folder for a person choosing a pack: what it is and how good it says it is.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { statedPrior, validityFigures } from './manifest';
import { PACK_FILES } from './types';

/**
 * What a pack folder says of itself, for the pick: name, version, the AUROCs its calibration
 * states and the prior its risk assumes, e.g. `persona-smollm2 0.2.0 · AUROC test code 0.880 ·
 * risk assumes 10% EM-inducing`. Undefined when the folder cannot be read (the pick still works).
 */
export function packFacts(dir: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, PACK_FILES.manifest), 'utf8'));
    const calibration = JSON.parse(readFileSync(path.join(dir, PACK_FILES.calibration), 'utf8'));
    const prior = statedPrior(calibration);
    const figures = validityFigures(calibration);
    return [
      `${manifest.name} ${manifest.version}`,
      ...(figures.length > 0 ? [`AUROC ${figures.join(', ')}`] : []),
      ...(prior !== null ? [`risk assumes ${+(prior * 100).toFixed(2)}% EM-inducing`] : []),
    ].join(' · ');
  } catch {
    return undefined;
  }
}
