// Bundles each program of the project into dist/. onnxruntime-node stays
// external: it loads a native binary that must sit beside its own package.
// `vscode` is provided by the editor; mocha is loaded from node_modules by the
// integration tests, so the suite's entry and its test files share one instance.
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const integrationTests = readdirSync('test/integration')
  .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
  .map((f) => `test/integration/${f}`);

const targets = [
  // The `persona-lens` command line (bin/persona-lens.js loads it).
  // gpt-tokenizer stays external: a model's tokenizer (megabytes) is loaded only when named.
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', external: ['gpt-tokenizer'] },
  // The VS Code extension (package.json "main"), its scan host (a worker thread) and the scan host's bulk thread.
  { entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js' },
  { entryPoints: ['src/worker/bulkThread.ts'], outfile: 'dist/bulk.js' },
  // The side panel's page script, run by the webview (a browser).
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'chrome120', minify: true },
  // The integration suite that runs inside VS Code (test/vscode/ runs it).
  { entryPoints: integrationTests, outdir: 'dist/test/integration', external: ['vscode', 'mocha'] },
];

const watch = process.argv.includes('--watch');
for (const { external = [], ...t } of targets) {
  const options = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    ...t,
    sourcemap: true,
    external: ['onnxruntime-node', ...external],
    logLevel: 'warning',
    define: { PERSONA_LENS_VERSION: JSON.stringify(version) },
  };
  if (watch) await (await esbuild.context(options)).watch();
  else await esbuild.build(options);
}
