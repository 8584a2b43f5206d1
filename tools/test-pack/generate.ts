// CLI: node --import tsx tools/test-pack/generate.ts OUTDIR
//        [--vocab N --d-model D --layers L --d-sae S --arch standard|topk|jumprelu --k K --max-tokens T --directions --external-data]
// Writes a random-weight probe pack (see pack.ts); --directions makes it format 2
// with a persona-vector read-out, --external-data format 4 with model.onnx.data.
// `npm run test-pack` regenerates the committed fixture test/fixtures/packs/tiny.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SaeArchitecture } from '../../src/core/pack/types';
import { DEFAULT_OPTIONS, generatePack, type TestPackOptions } from './pack';

const ARCHES: readonly SaeArchitecture[] = ['standard', 'topk', 'jumprelu'];

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      vocab: { type: 'string' },
      'd-model': { type: 'string' },
      layers: { type: 'string' },
      'd-sae': { type: 'string' },
      arch: { type: 'string' },
      k: { type: 'string' },
      'max-tokens': { type: 'string' },
      directions: { type: 'boolean' },
      'external-data': { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) {
    throw new Error('usage: generate.ts OUTDIR [--vocab N --d-model D --layers L --d-sae S --arch A --k K --max-tokens T --directions --external-data]');
  }
  const arch = (values.arch ?? DEFAULT_OPTIONS.arch) as SaeArchitecture;
  if (!ARCHES.includes(arch)) throw new Error(`--arch must be one of ${ARCHES.join(', ')}`);
  const options: TestPackOptions = {
    vocab: positiveInt('vocab', values.vocab, DEFAULT_OPTIONS.vocab),
    dModel: positiveInt('d-model', values['d-model'], DEFAULT_OPTIONS.dModel),
    layers: positiveInt('layers', values.layers, DEFAULT_OPTIONS.layers),
    dSae: positiveInt('d-sae', values['d-sae'], DEFAULT_OPTIONS.dSae),
    arch,
    k: positiveInt('k', values.k, DEFAULT_OPTIONS.k),
    maxTokens: positiveInt('max-tokens', values['max-tokens'], DEFAULT_OPTIONS.maxTokens),
    directions: values.directions ?? DEFAULT_OPTIONS.directions,
    externalData: values['external-data'] ?? DEFAULT_OPTIONS.externalData,
  };
  const outDir = positionals[0];
  const files = await generatePack(outDir, options);
  let total = 0;
  for (const f of files) {
    const size = statSync(join(outDir, f)).size;
    total += size;
    console.log(`${f.padEnd(30)} ${size} bytes`);
  }
  console.log(`${'total'.padEnd(30)} ${total} bytes`);
}

main().catch((e: Error) => {
  console.error(`generate: ${e.message}`);
  process.exit(2);
});
