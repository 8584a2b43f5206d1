// Builds the extension's .vsix for one platform (`npm run package`, default
// linux-x64; `npm run package -- --target darwin-arm64` for another). vsce picks
// the files by .vscodeignore plus two lines added here: onnxruntime-node's
// binaries for the target (the package holds every platform's, ~290 MB).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../../src/core/pack/builtIn';

const ROOT = projectRoot(__dirname);
export const DEFAULT_TARGET = 'linux-x64';

/** Where the .vsix for `target` is written (vsce's own naming). */
export function vsixPath(target = DEFAULT_TARGET): string {
  const { name, version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return path.join(ROOT, `${name}-${target}-${version}.vsix`);
}

function main(): void {
  const { target = DEFAULT_TARGET } = parseArgs({ options: { target: { type: 'string' } } }).values;
  // VS Code's targets are `<platform>-<arch>`, onnxruntime's folders `<platform>/<arch>`.
  const binaries = `node_modules/onnxruntime-node/bin/napi-v6/${target.replace('-', '/')}`;
  if (!existsSync(path.join(ROOT, binaries))) throw new Error(`onnxruntime-node has no binaries for ${target} (${binaries})`);

  const extra = [`!${binaries}/**`];
  const dir = mkdtempSync(path.join(tmpdir(), 'persona-lens-vsix-'));
  const ignoreFile = path.join(dir, 'vscodeignore');
  writeFileSync(ignoreFile, `${readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8')}\n${extra.join('\n')}\n`);
  try {
    execFileSync(
      path.join(ROOT, 'node_modules', '.bin', 'vsce'),
      // The extension's page shows docs/marketplace.md, written for its users (README.md is the
      // developers'). No repository yet: relative links stay as they are.
      [
        'package',
        '--target',
        target,
        '--ignoreFile',
        ignoreFile,
        '--out',
        vsixPath(target),
        '--readme-path',
        'docs/marketplace.md',
        '--allow-missing-repository',
        '--no-rewrite-relative-links',
      ],
      { cwd: ROOT, stdio: 'inherit' },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main();
