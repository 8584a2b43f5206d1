// Runs the integration suite in desktop VS Code downloaded by @vscode/test-electron,
// for machines that can reach update.code.visualstudio.com (this project's CI
// cannot: it uses test/vscode/codeServer.ts). Same suite, same bundle.

import { runTests } from '@vscode/test-electron';
import * as path from 'node:path';
import { ROOT, SUITE, TOOLS } from './paths';

runTests({
  extensionDevelopmentPath: ROOT,
  extensionTestsPath: SUITE,
  cachePath: path.join(TOOLS, 'electron'),
  // Other extensions stay out of the way; the built-in ones (JSON Lines among them) stay.
  launchArgs: ['--disable-extensions', '--skip-welcome', '--skip-release-notes', '--user-data-dir', path.join(TOOLS, 'electron-user-data')],
}).catch((e: Error) => {
  console.error(`test:electron: ${e.message}`);
  process.exitCode = 1;
});
