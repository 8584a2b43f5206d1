// Runs the integration suite inside real VS Code (the workbench of
// test/vscode/workbench.ts), prints the suite's output and exits with its status.
//   node --import tsx test/vscode/codeServer.ts              the extension in this folder (npm run test:vscode)
//   node --import tsx test/vscode/codeServer.ts --installed  the .vsix that `npm run package` built, installed (npm run test:vsix)
// Each runs the suite twice: in an empty window, then in an untrusted folder
// (test/integration/untrusted.test.ts alone).
// Mocha's report comes through the browser's console (suite.ts) and is printed here.

import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { vsixPath } from '../../tools/vsix/package';
import { ROOT, SUITE, TOOLS } from './paths';
import { runSuite } from './suite';
import { requireTools } from './workbench';

const RUN = path.join(TOOLS, 'run');
const TIMEOUT_MS = Number(process.env.PERSONA_LENS_TEST_TIMEOUT_MS ?? 10 * 60_000);

async function main(): Promise<number> {
  const { installed } = parseArgs({ options: { installed: { type: 'boolean', default: false } } }).values;
  const vsix = installed ? vsixPath() : undefined;
  requireTools([['the bundled suite', SUITE], ...(vsix ? [['the .vsix (npm run package)', vsix] as [string, string]] : [])]);
  const code = await suite(vsix);
  return code || (await suite(vsix, untrustedWorkspace()));
}

/**
 * A folder the workbench has never trusted, whose settings name a pack that does
 * not exist (test/integration/untrusted.test.ts), with a dataset to open.
 */
function untrustedWorkspace(): string {
  const folder = path.join(TOOLS, 'untrusted-workspace');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(path.join(folder, '.vscode'), { recursive: true });
  writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'personaLens.pack': path.join(folder, 'no-such-pack') }, null, 2));
  copyFileSync(path.join(ROOT, 'examples', 'sample.jsonl'), path.join(folder, 'dataset.jsonl'));
  return folder;
}

/** Runs the suite (with `folder` open: the untrusted workspace's part of it) and answers its exit code. */
async function suite(vsix: string | undefined, folder?: string): Promise<number> {
  const run = folder ? `${RUN}-untrusted` : RUN;
  const code = await runSuite({
    entry: SUITE,
    run,
    vsix,
    folder,
    env: folder ? { PERSONA_LENS_TEST_WORKSPACE: 'untrusted' } : {},
    timeoutMs: TIMEOUT_MS,
    onLine: (line) => process.stdout.write(line + '\n'),
  });
  console.log(`test:vscode: the suite exited with ${code} (browser console: ${path.relative(ROOT, run)}/browser.log)`);
  return code;
}

main().then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    console.error(`test:vscode: ${e.message}`);
    process.exitCode = 1;
  },
);
