// The integration suite's entry point. VS Code loads it in the extension host
// (test/vscode/codeServer.ts offline, test/vscode/electron.ts where VS Code can
// be downloaded) and awaits run(). Each *.test.ts is bundled beside it.

import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { SUITE_PACK } from './helpers';

export async function run(): Promise<void> {
  // Scans load a pack and run a model: allow more than mocha's 2 s.
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000 });
  // Under code-server the extension host's console reaches the runner only
  // through the browser's console, mixed with the workbench's own logging: the
  // runner names a marker, and each line of mocha's report carries it.
  const mark = process.env.PERSONA_LENS_TEST_MARK;
  if (mark) Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(mark + format(...args));
  const grep = process.env.PERSONA_LENS_TEST_GREP;
  if (grep) mocha.grep(grep);
  // untrusted.test.js needs a workspace of its own (an untrusted folder): the runner
  // says when it opened one, and then runs that file alone.
  const untrusted = process.env.PERSONA_LENS_TEST_WORKSPACE === 'untrusted';
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.test.js') && (f === 'untrusted.test.js') === untrusted);
  for (const file of files.sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  if (!untrusted) {
    await vscode.workspace.getConfiguration('personaLens').update('pack', SUITE_PACK, vscode.ConfigurationTarget.Global);
    // Tests that count what a scan re-scored start from cold caches: the shared result cache is
    // off but in the test that turns it on (the disk cache keys examples, not line texts).
    await vscode.workspace.getConfiguration('personaLens').update('resultCache', false, vscode.ConfigurationTarget.Global);
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
