// An SAE's weights as the scanner keeps them: float32 copies, and the file's bytes (W_dec's
// half of them, 9.4 MB for the embedded pack) not kept alive for as long as the pack is.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SaeConfig } from '../../../src/core/pack/types';
import { readSafetensors, writeSafetensors } from '../../../src/core/sae/safetensors';
import { saeWeightsFrom } from '../../../src/core/sae/weights';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const cfg: SaeConfig = { architecture: 'standard', dIn: 4, dSae: 8, applyBDecToInput: false, normalizeActivations: 'none' };

/** A float16 tensor of values 1 and a little more. */
function f16(shape: number[], seed: number) {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, dtype: 'F16' as const, raw: new Uint8Array(Uint16Array.from({ length: n }, (_, i) => 0x3c00 + ((i * seed) % 64)).buffer) };
}

function sae(): Uint8Array {
  return writeSafetensors({ W_enc: f16([4, 8], 3), W_dec: f16([8, 4], 5), b_enc: f16([8], 7), b_dec: f16([4], 11) });
}

test("the weights keep nothing of the file's bytes", async () => {
  let bytes: Uint8Array | null = new Uint8Array(sae()); // its own buffer, not a slice of Buffer's pool
  const file = new WeakRef(bytes.buffer);
  const weights = saeWeightsFrom(readSafetensors(bytes), cfg);
  bytes = null;
  assert.equal(weights.wEnc.length, 32);
  assert.equal(weights.wEnc[0], 1); // 0x3c00 is 1 in float16
  // A WeakRef's target lives until the current job ends.
  await new Promise((r) => setImmediate(r));
  gc();
  assert.equal(file.deref(), undefined, "the file's bytes are still reachable from the weights");
});
