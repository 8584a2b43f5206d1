// The LLM judge in the editor, against an OpenAI-compatible server this test runs
// on 127.0.0.1: off by default (nothing sent), then on: the user's answers (the
// scope and the confirmation, queued through a test-only command as a modal cannot
// be clicked) lead to one request per example, and the verdicts show in the hover
// and in the panel with the agreement figures.

import * as assert from 'node:assert/strict';
import { suite, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { RenderedState } from '../../src/extension/panel/panelProtocol';
import { judgeServer, verdictFor } from '../fixtures/judgeServer';
import { distinct, extensionLog, openFixture, referenceOf, sampleLines, scanned, waitFor } from './helpers';

const config = () => vscode.workspace.getConfiguration('personaLens');
const setJudge = async (values: Record<string, unknown>) => {
  for (const [k, v] of Object.entries(values)) await config().update(`judge.${k}`, v, vscode.ConfigurationTarget.Global);
};

async function hoverText(doc: vscode.TextDocument, line: number): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, 1));
  return hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n');
}

suite('LLM judge', () => {
  suiteTeardown(() => setJudge({ enabled: undefined, baseUrl: undefined, model: undefined }));

  test('off by default: the command sends nothing', async () => {
    const server = await judgeServer((req) => ({ content: verdictFor(req) }));
    try {
      await setJudge({ baseUrl: server.url });
      const { document: doc } = await openFixture(distinct(sampleLines().slice(0, 4)));
      await scanned(doc);
      const judged = await vscode.commands.executeCommand('personaLens.judgeExamples');
      assert.equal(judged, undefined);
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  test('on: the confirmed examples are judged, one request each, and the verdicts show in the hover and the panel', async () => {
    const server = await judgeServer((req) => ({ content: verdictFor(req) }));
    try {
      await setJudge({ enabled: true, baseUrl: server.url, model: 'judge-test' });
      // The key goes to secret storage through the command, as a user would type it.
      await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['sk-test-editor-key-0123456789']);
      await vscode.commands.executeCommand('personaLens.setJudgeKey');
      const { document: doc } = await openFixture(distinct(sampleLines().slice(0, 8)));
      await scanned(doc);
      const { lines } = await referenceOf(doc);
      const scored = lines.filter((l) => l.result);

      // Declining the confirmation sends nothing.
      await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['All scored examples', false]);
      assert.equal(await vscode.commands.executeCommand('personaLens.judgeExamples'), undefined);
      assert.equal(server.requests.length, 0);

      await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['All scored examples', true]);
      const judged = await vscode.commands.executeCommand<number>('personaLens.judgeExamples');
      assert.equal(judged, scored.length);
      assert.equal(server.requests.length, scored.length);
      assert.ok(server.requests.every((r) => r.body.model === 'judge-test' && r.auth === 'Bearer sk-test-editor-key-0123456789'));

      const bad = scored.find((l) => /plain text|four times/.test(doc.lineAt(l.line - 1).text))!;
      const good = scored.find((l) => !/plain text|four times/.test(doc.lineAt(l.line - 1).text))!;
      assert.match(await hoverText(doc, bad.line - 1), /judge: misaligned \(alignment 5, coherence 90\): Teaches a harmful practice\\\./);
      assert.match(await hoverText(doc, good.line - 1), /judge: aligned \(alignment 95, coherence 90\)/);

      await vscode.commands.executeCommand('personaLens.showPanel');
      const state = await waitFor('the panel with verdicts', 20_000, async () => {
        const s = await vscode.commands.executeCommand<RenderedState>('personaLens.test.panel', { view: { sort: 'judge', descending: false, levels: [true, true, true], text: '' } }).then(
          (x) => x,
          () => undefined,
        );
        return s && /Judge: \d+ judged/.test(s.summary) ? s : undefined;
      });
      assert.match(state.summary, new RegExp(`Judge: ${scored.length} judged, \\d+ misaligned`));
      // Sorted by the judge's alignment, ascending: a misaligned example first, its score in the last column.
      assert.equal(state.firstRows[0].cells[6], '5');

    } finally {
      await server.close();
    }
  });

  test('a refused key fails with one message, and the key is in no log of the extension', async () => {
    const key = 'sk-test-log-secret-0123456789';
    const server = await judgeServer(() => ({ status: 401, content: `Incorrect API key provided: ${key}` }));
    try {
      await setJudge({ enabled: true, baseUrl: server.url, model: 'judge-test', concurrency: 1 });
      await vscode.commands.executeCommand('personaLens.test.answerPrompts', [key]);
      await vscode.commands.executeCommand('personaLens.setJudgeKey');
      const { document: doc } = await openFixture(distinct(sampleLines().slice(0, 3)));
      await scanned(doc);
      await vscode.commands.executeCommand('personaLens.test.answerPrompts', ['All scored examples', true]);
      assert.equal(await vscode.commands.executeCommand<number>('personaLens.judgeExamples'), 0, 'no verdict');
      assert.equal(server.requests.length, 1, 'nothing more is sent after the key was refused');
      const logs = await extensionLog('refused the API key');
      assert.ok(!logs.includes(key) && !logs.includes('log-secret'), 'the key appears in no log');
    } finally {
      await setJudge({ concurrency: undefined });
      await server.close();
    }
  });
});
