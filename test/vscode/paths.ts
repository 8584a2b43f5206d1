// Where the real-VS-Code test runs find things (test/vscode/install.sh puts the tools there).

import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const TOOLS = path.join(ROOT, '.vscode-test');
/** The bundled suite entry (esbuild.mjs builds test/integration/index.ts here). */
export const SUITE = path.join(ROOT, 'dist', 'test', 'integration', 'index.js');
/** Screenshots and logs a person may want to look at after a run. */
export const OUTPUT = path.join(ROOT, '.test-output', 'vscode');
