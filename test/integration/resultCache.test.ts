// The result cache the CLI and the editor share: a file scanned in a terminal opens with its results.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { suite, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { projectRoot } from '../../src/core/pack/builtIn';
import { distinct, referenceOf, sampleLines, scanned, SUITE_PACK, waitFor, writeFixture } from './helpers';

suite('Result cache', () => {
  teardown(async () => {
    await vscode.workspace.getConfiguration('personaLens').update('resultCache', false, vscode.ConfigurationTarget.Global);
  });

  test('a file the CLI scanned opens with its results from the shared cache, none scored again', async () => {
    const file = writeFixture(distinct(sampleLines().slice(0, 8)));
    // The CLI, as a user runs it, with the environment the editor has (so the same cache folder).
    const cli = spawnSync(process.execPath, [path.join(projectRoot(__dirname), 'bin', 'persona-lens.js'), 'scan', file.fsPath, '--pack', SUITE_PACK, '--format', 'jsonl', '--no-progress'], {
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    assert.equal(cli.status, 0, cli.stderr);
    await vscode.workspace.getConfiguration('personaLens').update('resultCache', true, vscode.ConfigurationTarget.Global);
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const { summary } = await referenceOf(doc);
    // The setting restarts the scan host; a scan the old one made is followed by the new one's.
    const state = await waitFor('a scan from the cache', 30_000, async () => {
      const s = await scanned(doc);
      return s.stats.cached === summary.examples ? s : undefined;
    }).catch(async () => scanned(doc));
    assert.equal(state.summary?.examples, summary.examples);
    assert.equal(state.stats.cached, summary.examples, `every example came from the CLI's cache (fresh: ${state.stats.fresh.join(', ')})`);
    assert.deepEqual(state.stats.fresh, []);
    // The scores are the CLI's.
    const cliRisks = cli.stdout.trim().split('\n').map((l) => JSON.parse(l).risk);
    assert.deepEqual(state.summary?.maxRisk, Math.max(...cliRisks.filter((r: number | null) => r !== null)));
  });
});
