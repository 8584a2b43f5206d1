// In a workspace the user has not trusted (test/vscode/codeServer.ts opens one
// for this file alone): its settings name a pack, which must not load; the
// built-in pack scans instead, and the workspace's setting is left as it is.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
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
});
