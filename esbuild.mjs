// Bundles each program of the project into dist/. onnxruntime-node stays
// external: it loads a native binary that must sit beside its own package.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const targets = [
  // The `persona-lens` command line (bin/persona-lens.js loads it).
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs' },
];

const watch = process.argv.includes('--watch');
for (const t of targets) {
  const options = {
    ...t,
    bundle: true,
    target: 'node20',
    sourcemap: true,
    external: ['onnxruntime-node'],
    logLevel: 'warning',
    define: { PERSONA_LENS_VERSION: JSON.stringify(version) },
  };
  if (watch) await (await esbuild.context(options)).watch();
  else await esbuild.build(options);
}
