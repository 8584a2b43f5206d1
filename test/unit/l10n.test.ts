// The extension's text is localisable and its bundles cannot drift: every `l10n.t` message
// in src/extension and webview/ (read with the TypeScript compiler, as written) is a key of
// l10n/bundle.l10n.json and every key is still used (`npm run l10n` regenerates it); every
// `%key%` of package.json is in package.nls.json and every key there is used.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { panelHtml } from '../../src/extension/panel/panelHtml';

const ROOT = join(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const SOURCES = [...files('src/extension'), ...files('webview')];

interface Found {
  /** `l10n.t` messages, with where each was found. */
  messages: Map<string, string>;
  /** `l10n.t` calls whose message is not a literal (the bundle tool cannot read those). */
  dynamic: string[];
  /** Notifications whose text does not go through `l10n.t`. */
  unlocalised: string[];
}

function scan(): Found {
  const found: Found = { messages: new Map(), dynamic: [], unlocalised: [] };
  for (const file of SOURCES) {
    const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const isT = (node: ts.Node): node is ts.CallExpression =>
      ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 't' && /(^|\.)l10n$/.test(node.expression.expression.getText(source));
    const visit = (node: ts.Node) => {
      if (isT(node)) {
        const [first] = node.arguments;
        if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) found.messages.set(first.text, where(node));
        else found.dynamic.push(where(node));
      }
      // vscode.window.showInformationMessage(text, ...): the text is a translation (or made of them).
      if (ts.isCallExpression(node) && /\.show(Information|Warning|Error)Message$/.test(node.expression.getText(source))) {
        const [first] = node.arguments;
        if (first && (ts.isStringLiteral(first) || ts.isTemplateExpression(first) || ts.isNoSubstitutionTemplateLiteral(first) || ts.isBinaryExpression(first))) found.unlocalised.push(where(node));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

test('every l10n.t message of the extension and its page is in l10n/bundle.l10n.json, and every key there is used', () => {
  const { messages, dynamic, unlocalised } = scan();
  assert.ok(messages.size > 150, `found ${messages.size} messages`);
  assert.deepEqual(dynamic, [], 'l10n.t takes a literal message (placeholders for the rest)');
  assert.deepEqual(unlocalised, [], 'notifications say what l10n.t made');
  const bundle = JSON.parse(read('l10n/bundle.l10n.json')) as Record<string, string>;
  const missing = [...messages].filter(([m]) => !(m in bundle)).map(([m, at]) => `${at}: ${m}`);
  assert.deepEqual(missing, [], 'missing from the bundle: run `npm run l10n`');
  const unused = Object.keys(bundle).filter((k) => !messages.has(k));
  assert.deepEqual(unused, [], 'keys no code uses: run `npm run l10n`');
  for (const [key, text] of Object.entries(bundle)) assert.equal(text, key, 'the English bundle says each message as the code does');
});

test('the extension declares its bundle folder', () => {
  const pkg = JSON.parse(read('package.json'));
  assert.equal(pkg.l10n, './l10n');
});

/** Every string value in a JSON document, with its path. */
function strings(value: unknown, at = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
  return [];
}

test("package.json's contributed text is in package.nls.json: every %key% there, and every key used", () => {
  const pkg = JSON.parse(read('package.json'));
  const nls = JSON.parse(read('package.nls.json')) as Record<string, string>;
  const used = strings(pkg).flatMap(([at, s]) => (/^%.+%$/.test(s) ? [[at, s.slice(1, -1)] as const] : []));
  assert.deepEqual(used.filter(([, key]) => !(key in nls)).map(([at, key]) => `${at}: ${key}`), []);
  const keys = new Set(used.map(([, key]) => key));
  assert.deepEqual(Object.keys(nls).filter((k) => !keys.has(k)), [], 'unused keys');
  // What a user reads of the contributions: command titles and categories, settings, walkthrough, view names.
  const c = pkg.contributes;
  const shown = [
    ...c.commands.flatMap((x: { title: string; category: string }) => [x.title, x.category]),
    ...c.walkthroughs.flatMap((w: { title: string; description: string; steps: Array<{ title: string; description: string }> }) => [
      w.title,
      w.description,
      ...w.steps.flatMap((s) => [s.title, s.description]),
    ]),
    c.configuration.title,
    ...Object.values(c.configuration.properties as Record<string, { description?: string; markdownDescription?: string; enumDescriptions?: string[] }>).flatMap((p) => [
      ...[p.description, p.markdownDescription].filter((d) => d !== undefined),
      ...(p.enumDescriptions ?? []),
    ]),
    ...Object.values(c.views as Record<string, Array<{ name: string; contextualTitle?: string }>>).flat().flatMap((v) => [v.name, v.contextualTitle ?? '%-%']),
    ...c.viewsContainers.activitybar.map((v: { title: string }) => v.title),
    ...c.colors.map((x: { description: string }) => x.description),
  ];
  assert.deepEqual(shown.filter((s) => !/^%.+%$/.test(s)), [], 'contributed text not in package.nls.json');
});

test("the panel's page carries the display language's bundle for its script, as an attribute", () => {
  const sources = { cspSource: 'https://x.vscode-cdn.net', nonce: 'abc', script: 'https://x/dist/webview.js', style: 'https://x/media/panel.css' };
  assert.ok(!panelHtml(sources).includes('data-l10n'), 'English: no bundle');
  const bundle = { 'Copy lines': 'Zeilen "kopieren" <b>&</b>' };
  const html = panelHtml({ ...sources, l10n: bundle });
  const attr = html.match(/<body data-l10n="([^"]*)">/)?.[1];
  assert.ok(attr, 'the bundle is an attribute of the body');
  const decoded = attr.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  assert.deepEqual(JSON.parse(decoded), bundle);
  assert.deepEqual(html.match(/<script[^>]*>/g), ['<script nonce="abc" src="https://x/dist/webview.js">'], 'no script but its own');
});
