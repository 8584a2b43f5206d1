// Runs an extension-test entry (a bundle exporting run(), as VS Code's test
// layout has it) inside real VS Code: the workbench of workbench.ts, headless.
// The integration suite (codeServer.ts) and the editor benchmark
// (bench/editor/) both run this way.
//
// The workbench reports the entry's end through window.codeAutomationExit (the
// smoke-test driver's hook). The extension host's console reaches us only
// through the browser's console, mixed with the workbench's own logging: the
// entry prefixes each of its lines with PERSONA_LENS_TEST_MARK, and those lines
// are handed to `onLine`.

import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { OUTPUT, ROOT } from './paths';
import { startWorkbench } from './workbench';

const MARK = '[persona-lens-suite] ';

export interface SuiteOptions {
  /** The bundled entry (exports run()). */
  entry: string;
  /** The run's folder (emptied first: server data, logs). */
  run: string;
  /** A .vsix to install and test instead of the extension in this folder. */
  vsix?: string;
  /** A folder to open as the workspace. */
  folder?: string;
  /** More environment for the extension host. */
  env?: Record<string, string>;
  timeoutMs: number;
  onLine(line: string): void;
}

/** Runs the entry; answers its exit code (1 on a timeout, with a screenshot in .test-output/vscode/). */
export async function runSuite({ entry, run, vsix, folder, env = {}, timeoutMs, onLine }: SuiteOptions): Promise<number> {
  const workbench = await startWorkbench({
    run,
    vsix,
    // An installed extension runs in production mode: PERSONA_LENS_TEST_QUERIES
    // makes it register the test-only queries (src/extension/commands.ts).
    env: { ...env, PERSONA_LENS_TEST_MARK: MARK, PERSONA_LENS_TEST_QUERIES: '1' },
  });
  try {
    const page = await workbench.newPage();
    page.on('console', (m) => {
      const text = m.text();
      const at = text.indexOf(MARK);
      if (at !== -1) onLine(text.slice(at + MARK.length));
    });
    const exit = new Promise<number>((resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)));
    // The workbench reports an entry's end only in an extension development session:
    // to test the installed extension, the development path is an empty folder.
    const development = vsix ? path.join(run, 'no-extension') : ROOT;
    mkdirSync(development, { recursive: true });
    const payload: Array<[string, string]> = [
      ['extensionDevelopmentPath', workbench.remote(development)],
      ['extensionTestsPath', workbench.remote(entry)],
    ];
    await page.goto(workbench.url(payload, folder && workbench.remote(folder)));
    const code = await Promise.race([exit, timeout(timeoutMs)]);
    if (code === 'timeout') {
      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: path.join(OUTPUT, 'timeout.png') });
      console.error(`${path.basename(entry)} did not finish within ${timeoutMs} ms (screenshot: ${path.relative(ROOT, OUTPUT)}/timeout.png; browser console: ${path.relative(ROOT, run)}/browser.log)`);
      return 1;
    }
    return code;
  } catch (e) {
    console.error(`${(e as Error).message}\nserver log: ${path.relative(ROOT, workbench.serverLog)}`);
    return 1;
  } finally {
    await workbench.close();
  }
}

function timeout(ms: number): Promise<'timeout'> {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
}
