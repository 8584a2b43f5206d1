// In a workspace the user has not trusted (test/vscode/codeServer.ts opens one
// for this file alone): its settings name a pack, which must not load; the
// built-in pack scans instead, and the workspace's setting is left as it is.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { judgeServer, verdictFor } from '../fixtures/judgeServer';
import { referenceOf, scanned } from './helpers';

suite('Untrusted workspace', () => {
  test('a pack named in workspace settings is ignored and the built-in pack scans', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the runner opened an untrusted folder');
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const settingsFile = path.join(folder, '.vscode', 'settings.json');
    const named = JSON.parse(readFileSync(settingsFile, 'utf8'))['personaLens.pack'];
    assert.ok(named, 'the workspace settings name a pack');

    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(folder, 'dataset.jsonl')));
    await vscode.window.showTextDocument(doc);
    const state = await scanned(doc);
    const expected = await referenceOf(doc);
    assert.deepEqual(state.summary, expected.summary, 'scanned with the built-in pack');
    assert.equal(JSON.parse(readFileSync(settingsFile, 'utf8'))['personaLens.pack'], named, 'the workspace settings are untouched');
  });

  test('the LLM judge sends nothing, even when the user turned it on', async () => {
    const server = await judgeServer((req) => ({ content: verdictFor(req) }));
    const config = () => vscode.workspace.getConfiguration('personaLens');
    try {
      await config().update('judge.enabled', true, vscode.ConfigurationTarget.Global);
      await config().update('judge.baseUrl', server.url, vscode.ConfigurationTarget.Global);
      const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(folder, 'dataset.jsonl')));
      await vscode.window.showTextDocument(doc);
      await scanned(doc);
      await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['All scored examples', true]);
      assert.equal(await vscode.commands.executeCommand('personaLens.judgeExamples'), undefined);
      assert.equal(server.requests.length, 0);
    } finally {
      await config().update('judge.enabled', undefined, vscode.ConfigurationTarget.Global);
      await config().update('judge.baseUrl', undefined, vscode.ConfigurationTarget.Global);
      await server.close();
    }
  });

  test('Fetch Pack refuses before asking for a source, so nothing can be downloaded', async () => {
    // No answers are queued: had it asked, its input box would wait and the race would say so.
    const answer = await Promise.race([
      vscode.commands.executeCommand('personaLens.fetchPack'),
      new Promise((r) => setTimeout(() => r('it asked for a source'), 5_000)),
    ]);
    assert.equal(answer, undefined);
  });
});
