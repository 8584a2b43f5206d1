// Direction read-outs (format 2): the vectors of directions.safetensors, checked
// against pack.json's d_model (or, for a format 6 latentWeights term, the SAE's d_sae)
// and against every direction that calibration.json and latents.json name.

import type { SafetensorsFile } from '../sae/safetensors';
import { PackError } from './errors';
import { PACK_FILES, type Calibration, type LatentsFile, type PackManifest } from './types';

/** Where a direction is named, as `file: field`, for messages; `overLatents` for a latentWeights term's. */
interface Use {
  name: string;
  file: string;
  field: string;
  overLatents?: boolean;
}

/**
 * The pack's directions by tensor name, each [d_model], or [dSae] where a latentWeights term
 * names it; `file` is directions.safetensors as read, or null when the pack has none.
 */
export function packDirections(
  file: SafetensorsFile | null,
  manifest: PackManifest,
  latents: LatentsFile,
  calibration: Calibration,
  dSae: number,
): Map<string, Float32Array> {
  const uses = directionUses(latents, calibration);
  const { formatVersion, model } = manifest;
  if (uses.length > 0 && formatVersion < 2) {
    throw refused(uses[0], `needs pack.json formatVersion 2 (this pack is format ${formatVersion})`);
  }
  const promptEnd = calibration.readout.findIndex((r) => 'at' in r);
  if (promptEnd >= 0 && formatVersion < 5) {
    throw refused({ ...uses[0], field: `readout[${promptEnd}].at` }, `needs pack.json formatVersion 5 (this pack is format ${formatVersion})`);
  }
  const overLatents = uses.find((u) => u.overLatents);
  if (overLatents && formatVersion < 6) throw refused(overLatents, `needs pack.json formatVersion 6 (this pack is format ${formatVersion})`);
  if (!file) {
    if (uses.length === 0) return new Map();
    const { name, file: namedIn, field } = uses[0];
    throw new PackError(
      'missing-file',
      `${PACK_FILES.directions}: the pack has no such file, but ${namedIn} ${field} is ${JSON.stringify(name)}`,
      PACK_FILES.directions,
    );
  }

  const vectors = new Map<string, Float32Array>();
  const weighsLatents = new Set(uses.filter((u) => u.overLatents).map((u) => u.name));
  for (const [name, t] of file.tensors) {
    const [size, against] = weighsLatents.has(name) ? [dSae, `the SAE's d_sae is ${dSae} (a latentWeights term names it)`] : [model.dModel, `pack.json model.dModel is ${model.dModel}`];
    if (t.shape.length !== 1 || t.shape[0] !== size) {
      throw new PackError('dimension-mismatch', `${PACK_FILES.directions}: tensor "${name}" has shape [${t.shape.join(', ')}] but ${against}`, PACK_FILES.directions);
    }
    vectors.set(name, t.data);
  }
  const known = [...vectors.keys()].map((n) => JSON.stringify(n)).join(', ') || 'none';
  for (const use of uses) {
    if (!vectors.has(use.name)) throw refused(use, `${JSON.stringify(use.name)} is not a tensor of ${PACK_FILES.directions} (it has ${known})`);
  }
  return vectors;
}

function refused({ file, field }: Use, message: string): PackError {
  return new PackError(file === PACK_FILES.calibration ? 'bad-calibration' : 'bad-latents', `${file}: ${field} ${message}`, file);
}

/** Every direction the read-out and latents.json name, read-out first. */
function directionUses(latents: LatentsFile, calibration: Calibration): Use[] {
  const uses: Use[] = [];
  calibration.readout.forEach((r, i) => {
    if ('direction' in r) uses.push({ name: r.direction, file: PACK_FILES.calibration, field: `readout[${i}].direction` });
    if ('latentWeights' in r) uses.push({ name: r.latentWeights, file: PACK_FILES.calibration, field: `readout[${i}].latentWeights`, overLatents: true });
  });
  latents.directions?.forEach((d, i) => uses.push({ name: d.name, file: PACK_FILES.latents, field: `directions[${i}].name` }));
  return uses;
}
