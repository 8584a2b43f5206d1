// The dependency rule, checked on every source file's imports: core knows nothing of its
// users; the CLI uses core; the worker uses core and its protocol; the extension uses
// core, the worker's client and protocol; the webview only the panel's message protocol.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '../..');

/** Which folders (relative to the root) files under each layer may import from. */
const ALLOWED: Record<string, string[]> = {
  'src/core': ['src/core'],
  'src/cli': ['src/cli', 'src/core'],
  'src/worker': ['src/worker', 'src/core'],
  'src/extension': ['src/extension', 'src/core', 'src/worker/client.ts', 'src/worker/protocol.ts'],
  webview: ['webview', 'src/extension/panel/panelProtocol.ts'],
};
/** Packages only a layer may use: vscode in the extension, onnxruntime below it. */
const PACKAGES: Record<string, RegExp> = { vscode: /^src\/extension\//, 'onnxruntime-node': /^src\/core\// };

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms), ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]);
}

test('every import follows the dependency rule (extension -> worker protocol -> core; cli -> core; webview -> messages)', () => {
  const broken: string[] = [];
  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    for (const file of files(layer)) {
      for (const spec of imports(file)) {
        if (spec.startsWith('.')) {
          const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
          const ok = allowed.some((a) => target === a || target.startsWith(`${a}/`) || `${target}.ts` === a);
          if (!ok) broken.push(`${file} imports ${spec} (${target})`);
        } else {
          const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
          if (PACKAGES[pkg] && !PACKAGES[pkg].test(file)) broken.push(`${file} imports ${spec}, which only ${PACKAGES[pkg].source} may`);
        }
      }
    }
  }
  assert.deepEqual(broken, []);
});

test('the rule catches what it claims to', () => {
  assert.deepEqual(imports('src/extension/editor/diagnostics.ts').filter((s) => s === 'vscode'), ['vscode']);
  assert.ok(imports('src/cli/main.ts').some((s) => s.startsWith('../core/')));
});
