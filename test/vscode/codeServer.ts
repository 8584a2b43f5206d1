// Runs the integration suite inside real VS Code (the workbench of
// test/vscode/workbench.ts), prints the suite's output and exits with its status.
//   node --import tsx test/vscode/codeServer.ts              the extension in this folder (npm run test:vscode)
//   node --import tsx test/vscode/codeServer.ts --installed  the .vsix that `npm run package` built, installed (npm run test:vsix)
// Each runs the suite twice: in an empty window, then in an untrusted folder
// (test/integration/untrusted.test.ts alone).
//
// The workbench reports the suite's end through window.codeAutomationExit (the
// smoke-test driver's hook); mocha's output reaches only the browser console,
// so it is forwarded here.

import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { vsixPath } from '../../tools/vsix/package';
import { OUTPUT, ROOT, SUITE, TOOLS } from './paths';
import { requireTools, startWorkbench } from './workbench';

const RUN = path.join(TOOLS, 'run');
/** Starts each line of the suite's report in the browser console (see test/integration/index.ts). */
const MARK = '[persona-lens-suite] ';
const TIMEOUT_MS = Number(process.env.PERSONA_LENS_TEST_TIMEOUT_MS ?? 10 * 60_000);

async function main(): Promise<number> {
  const { installed } = parseArgs({ options: { installed: { type: 'boolean', default: false } } }).values;
  const vsix = installed ? vsixPath() : undefined;
  requireTools([['the bundled suite', SUITE], ...(vsix ? [['the .vsix (npm run package)', vsix] as [string, string]] : [])]);
  const code = await runSuite(vsix);
  return code || (await runSuite(vsix, untrustedWorkspace()));
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
async function runSuite(vsix: string | undefined, folder?: string): Promise<number> {
  const run = folder ? `${RUN}-untrusted` : RUN;
  const workbench = await startWorkbench({
    run,
    vsix,
    // An installed extension runs in production mode: PERSONA_LENS_TEST_QUERIES
    // makes it register the test-only queries the suite reads (src/extension/commands.ts).
    env: { PERSONA_LENS_TEST_MARK: MARK, PERSONA_LENS_TEST_QUERIES: '1', ...(folder && { PERSONA_LENS_TEST_WORKSPACE: 'untrusted' }) },
  });
  try {
    const page = await workbench.newPage();
    page.on('console', (m) => {
      const text = m.text();
      const at = text.indexOf(MARK);
      if (at !== -1) process.stdout.write(text.slice(at + MARK.length) + '\n');
    });
    const exit = new Promise<number>((resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)));
    // The workbench reports a suite's end only in an extension development session:
    // to test the installed extension, the development path is an empty folder.
    const development = vsix ? path.join(run, 'no-extension') : ROOT;
    mkdirSync(development, { recursive: true });
    const payload: Array<[string, string]> = [
      ['extensionDevelopmentPath', workbench.remote(development)],
      ['extensionTestsPath', workbench.remote(SUITE)],
    ];
    await page.goto(workbench.url(payload, folder && workbench.remote(folder)));
    const code = await Promise.race([exit, timeout(TIMEOUT_MS)]);
    console.log(`test:vscode: the suite exited with ${code} (browser console: ${path.relative(ROOT, run)}/browser.log)`);
    if (code === 'timeout') {
      await page.screenshot({ path: path.join(OUTPUT, 'timeout.png') });
      console.error(`test:vscode: the suite did not finish within ${TIMEOUT_MS} ms (screenshot: ${path.relative(ROOT, OUTPUT)}/timeout.png)`);
      return 1;
    }
    return code;
  } catch (e) {
    console.error(`test:vscode: ${(e as Error).message}\nserver log: ${path.relative(ROOT, workbench.serverLog)}`);
    return 1;
  } finally {
    await workbench.close();
  }
}

function timeout(ms: number): Promise<'timeout'> {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
}

main().then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    console.error(`test:vscode: ${e.message}`);
    process.exitCode = 1;
  },
);
