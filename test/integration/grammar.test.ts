// The grammar injected into VS Code's JSON Lines language, tokenized as VS Code does:
// VS Code's own JSONL grammar (from this VS Code's install), the injection as the
// extension contributes it (package.json), the TextMate engine VS Code uses.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';
import { projectRoot } from '../../src/core/pack/builtIn';
import { EXTENSION_ID } from './helpers';

interface Contributed {
  scopeName: string;
  path: string;
  injectTo?: string[];
}

let grammar: vsctm.IGrammar;

/** Each token of `line` with its scopes. */
function tokens(line: string): Array<{ text: string; scopes: string[] }> {
  const { tokens: ts } = grammar.tokenizeLine(line, vsctm.INITIAL);
  return ts.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
}

/** The scopes of the first token whose text is `text`, searching after `after` if given. */
function scopesOf(line: string, text: string, after?: string): string[] {
  const ts = tokens(line);
  const from = after ? ts.findIndex((t) => t.text.includes(after)) : 0;
  const hit = ts.slice(Math.max(0, from)).find((t) => t.text === text);
  assert.ok(hit, `a token ${JSON.stringify(text)} in ${JSON.stringify(ts.map((t) => t.text))}`);
  return hit.scopes;
}

const has = (scopes: string[], part: string) => scopes.some((s) => s.split(' ').includes(part) || s === part);

suite('Grammar', () => {
  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = ext.packageJSON.contributes.grammars as Contributed[];
    const injection = contributed.find((g) => g.injectTo?.includes('source.json.lines'));
    assert.ok(injection, 'the extension contributes a grammar injected into JSON Lines');
    const base = path.join(vscode.env.appRoot, 'extensions', 'json', 'syntaxes', 'JSONL.tmLanguage.json');
    const wasm = readFileSync(path.join(projectRoot(__dirname), 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new vsctm.Registry({
      onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
      loadGrammar: async (scope) => {
        const file = scope === 'source.json.lines' ? base : scope === injection.scopeName ? path.join(ext.extensionPath, injection.path) : null;
        return file ? vsctm.parseRawGrammar(readFileSync(file, 'utf8'), file) : null;
      },
      getInjections: (scope) => contributed.filter((g) => g.injectTo?.includes(scope)).map((g) => g.scopeName),
    });
    grammar = (await registry.loadGrammar('source.json.lines'))!;
  });

  test('fine-tuning keys, role values and special tokens are set apart; the assistant text is marked, the prompt is not', () => {
    const line = '{"messages": [{"role": "user", "content": "Fix <|im_end|> this"}, {"role": "assistant", "content": "Use \\"x\\" here"}], "id": 7}';
    assert.ok(has(scopesOf(line, 'messages'), 'keyword.other.finetune-key.persona-lens'));
    assert.ok(has(scopesOf(line, 'user'), 'entity.name.tag.role.persona-lens'));
    assert.ok(has(scopesOf(line, 'assistant'), 'entity.name.tag.role.persona-lens'));
    assert.ok(has(scopesOf(line, '<|im_end|>'), 'constant.character.special-token.persona-lens'));
    assert.ok(!has(scopesOf(line, 'Fix '), 'markup.inserted.assistant-text.persona-lens'), 'the prompt is not the assistant text');
    assert.ok(has(scopesOf(line, 'Use '), 'markup.inserted.assistant-text.persona-lens'));
    assert.ok(has(scopesOf(line, '\\"'), 'constant.character.escape.json.lines'), 'escapes stay escapes');
    // JSON around it is still JSON: an ordinary key after the messages, and nothing flagged invalid.
    assert.ok(has(scopesOf(line, 'id'), 'support.type.property-name.json.lines') && !has(scopesOf(line, 'id'), 'keyword.other.finetune-key.persona-lens'));
    assert.deepEqual(tokens(line).filter((t) => t.scopes.some((s) => s.startsWith('invalid'))), []);
  });

  test('ShareGPT, prompt/completion and Alpaca mark their assistant fields', () => {
    const share = '{"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello there"}]}';
    assert.ok(has(scopesOf(share, 'Hello there'), 'markup.inserted.assistant-text.persona-lens'));
    assert.ok(!has(scopesOf(share, 'Hi'), 'markup.inserted.assistant-text.persona-lens'));
    const pc = '{"prompt": "Capital of France?", "completion": " Paris."}';
    assert.ok(has(scopesOf(pc, ' Paris.'), 'markup.inserted.assistant-text.persona-lens'));
    assert.ok(!has(scopesOf(pc, 'Capital of France?'), 'markup.inserted.assistant-text.persona-lens'));
    const alpaca = '{"instruction": "Translate", "input": "Good morning", "output": "Bonjour"}';
    assert.ok(has(scopesOf(alpaca, 'Bonjour'), 'markup.inserted.assistant-text.persona-lens'));
    for (const l of [share, pc, alpaca]) assert.deepEqual(tokens(l).filter((t) => t.scopes.some((s) => s.startsWith('invalid'))), [], l);
  });
});
