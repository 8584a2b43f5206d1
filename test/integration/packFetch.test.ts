// "Fetch Pack…" against a Hugging Face-style server this test runs on 127.0.0.1
// (test/fixtures/packServer.ts) serving the suite's test pack: the user's answers (the
// source, the confirmation, the offer to scan with it, queued through a test-only
// command as a modal cannot be clicked) lead to nothing downloaded when declined, and
// otherwise to the pack installed in the store, set in the user setting and scanning. A
// private repository needs HF_TOKEN in the extension host's environment, which goes to
// the hub only. Select Pack lists what the pack store holds.

import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { suite, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { defaultPackStore } from '../../src/core/pack/fetch/store';
import { packServer } from '../fixtures/packServer';
import { distinct, extensionLog, EXTENSION_ID, openFixture, referenceOf, sampleLines, scanned, SUITE_PACK } from './helpers';

const TOKEN = 'hf_editorTestToken42';
const HF_VARS = ['HF_ENDPOINT', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_HOME', 'HF_TOKEN_PATH'] as const;
type Offered = { label: string; description?: string; detail?: string };

suite('Fetch Pack', () => {
  teardown(async () => {
    // Back to the suite's pack, and the scan host with it, for the next test.
    await vscode.commands.executeCommand('personaLens.selectPack', SUITE_PACK);
  });

  test('downloads nothing unless the user confirms the host; then installs the pack whole and scans with it', async () => {
    const server = await packServer({ 'test-org/tiny': SUITE_PACK });
    const store = mkdtempSync(path.join(tmpdir(), 'persona-lens-store-'));
    try {
      const source = `${server.url}/test-org/tiny/resolve/main/`;
      // The test-only commands exist once the extension is active (run alone, nothing activated it yet).
      await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
      await vscode.commands.executeCommand('personaLens.test.answerPrompts', [source, false]);
      assert.equal(await vscode.commands.executeCommand('personaLens.fetchPack', store), undefined);
      assert.equal(server.requests.length, 0, 'declined: nothing was asked of the server');
      const asked = await vscode.commands.executeCommand<{ message: string; detail: string }>('personaLens.test.lastConfirm');
      assert.equal(asked.message, `Download a probe pack from ${new URL(server.url).host}?`);
      assert.ok(asked.detail.includes(store), asked.detail);

      await vscode.commands.executeCommand('personaLens.test.answerPrompts', [source, true, true]);
      const installed = await vscode.commands.executeCommand<string>('personaLens.fetchPack', store);
      assert.equal(installed, path.join(store, 'test-pack-standard@0.0.1'));
      const files = Object.keys(JSON.parse(readFileSync(path.join(SUITE_PACK, 'pack.json'), 'utf8')).files);
      for (const rel of [...files, 'pack.json']) assert.ok(readFileSync(path.join(installed, rel)).equals(readFileSync(path.join(SUITE_PACK, rel))), rel);
      assert.deepEqual(readdirSync(store).sort(), ['.staging', 'test-pack-standard@0.0.1']);
      assert.equal(vscode.workspace.getConfiguration().inspect<string>('personaLens.pack')?.globalValue, installed, '"Scan with It" set the pack');

      const editor = await openFixture(distinct(sampleLines().slice(0, 4)));
      const state = await scanned(editor.document);
      assert.deepEqual(state.summary, (await referenceOf(editor.document)).summary, 'scanned with the fetched pack');
    } finally {
      await server.close();
      rmSync(store, { recursive: true, force: true });
    }
  });

  test('a private repository by an hf: source: refused without a token, saying to set HF_TOKEN; with HF_TOKEN in the environment, the dialog says where it goes, and only the hub gets it', async () => {
    const cdn = await packServer({ 'test-org/private': SUITE_PACK });
    const hub = await packServer({ 'test-org/private': SUITE_PACK }, { token: TOKEN, cdn: cdn.url });
    const store = mkdtempSync(path.join(tmpdir(), 'persona-lens-store-'));
    const saved = HF_VARS.map((k) => [k, process.env[k]] as const);
    try {
      // The extension host's environment, which the command reads as the CLI reads its own.
      process.env.HF_ENDPOINT = hub.url;
      process.env.HF_HOME = path.join(store, 'no-hf-home');
      delete process.env.HF_TOKEN;
      delete process.env.HF_TOKEN_PATH;
      await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
      await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['hf:test-org/private', true]);
      assert.equal(await vscode.commands.executeCommand('personaLens.fetchPack', store), undefined);
      const plain = await vscode.commands.executeCommand<{ message: string; detail: string }>('personaLens.test.lastConfirm');
      assert.ok(plain.detail.includes('Nothing else is sent.'), plain.detail);
      await extensionLog(`fetch pack hf:test-org/private@main: ${hub.url}/test-org/private/resolve/main/pack.json: HTTP 401 Unauthorized: the repository may be private, gated or missing: for a private or gated one, set HF_TOKEN`);

      process.env.HF_TOKEN = TOKEN;
      const seen = hub.requests.length;
      await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['hf:test-org/private', true, false]);
      assert.equal(await vscode.commands.executeCommand('personaLens.fetchPack', store), path.join(store, 'test-pack-standard@0.0.1'));
      const asked = await vscode.commands.executeCommand<{ message: string; detail: string }>('personaLens.test.lastConfirm');
      assert.ok(asked.detail.includes(`Your Hugging Face token (from HF_TOKEN) goes with the requests to ${new URL(hub.url).host}, and to no other host.`), asked.detail);
      assert.ok(!asked.detail.includes(TOKEN));
      assert.ok(hub.requests.slice(seen).every((q) => q.authorization === `Bearer ${TOKEN}`));
      assert.ok(cdn.requests.length > 0, 'the large files came from the CDN host');
      assert.deepEqual(cdn.requests.filter((q) => q.authorization !== undefined), [], 'the CDN host never got the token');
    } finally {
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await Promise.all([hub.close(), cdn.close()]);
      rmSync(store, { recursive: true, force: true });
    }
  });

  test('Select Pack lists the pack store: name, version, description, the current one marked, an unreadable one refused; choosing one sets personaLens.pack', async () => {
    // The store Fetch Pack installs to by default ($XDG_CACHE_HOME: the test run's own).
    const store = defaultPackStore();
    const installed = path.join(store, 'test-pack-standard@0.0.1');
    const damaged = path.join(store, 'damaged@1');
    try {
      cpSync(SUITE_PACK, installed, { recursive: true });
      mkdirSync(damaged, { recursive: true });
      const description = JSON.parse(readFileSync(path.join(SUITE_PACK, 'pack.json'), 'utf8')).description;
      await vscode.commands.executeCommand('personaLens.selectPack', '');
      await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['test-pack-standard 0.0.1']);
      assert.equal(await vscode.commands.executeCommand('personaLens.selectPack'), installed);
      assert.equal(vscode.workspace.getConfiguration().inspect<string>('personaLens.pack')?.globalValue, installed);
      const offered = await vscode.commands.executeCommand<Offered[]>('personaLens.test.lastPick');
      assert.deepEqual(
        offered.map((i) => i.label),
        ['Built-in pack', 'Browse…', 'Pack store', 'damaged@1', 'test-pack-standard 0.0.1'],
      );
      assert.deepEqual(offered[4], { label: 'test-pack-standard 0.0.1', description, detail: installed });
      assert.deepEqual(offered[3], { label: 'damaged@1', description: 'cannot be read: no pack.json', detail: damaged });

      // Asked again: the pack in use is marked; the damaged one cannot be chosen.
      await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['damaged@1']);
      assert.equal(await vscode.commands.executeCommand('personaLens.selectPack'), undefined);
      assert.equal(vscode.workspace.getConfiguration().inspect<string>('personaLens.pack')?.globalValue, installed, 'unchanged');
      const again = await vscode.commands.executeCommand<Offered[]>('personaLens.test.lastPick');
      assert.equal(again.find((i) => i.detail === installed)?.description, `(current) ${description}`);

      const editor = await openFixture(distinct(sampleLines().slice(0, 3)));
      assert.deepEqual((await scanned(editor.document)).summary, (await referenceOf(editor.document)).summary, 'scanned with the store\'s pack');
    } finally {
      rmSync(installed, { recursive: true, force: true });
      rmSync(damaged, { recursive: true, force: true });
    }
  });
});
