// Localisation as VS Code loads it: the extension (a development copy, or the installed
// .vsix under `npm run test:vsix`) declares its l10n folder and carries the bundle with the
// messages its code uses, and VS Code put package.nls.json's text in place of every %key%
// of the contributions: the Command Palette, the settings and the walkthrough show words.

import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './helpers';

suite('Localisation', () => {
  const ext = () => vscode.extensions.getExtension(EXTENSION_ID)!;

  test('the l10n bundle is present: declared, shipped, and holding the messages the extension shows', () => {
    const { packageJSON, extensionPath } = ext();
    assert.equal(packageJSON.l10n, './l10n');
    const file = path.join(extensionPath, 'l10n', 'bundle.l10n.json');
    assert.ok(existsSync(file), `${file} is there`);
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    for (const message of ['Persona Lens: scanning', 'Persona Lens: open a JSON Lines file to scan it.', '{0}/{1} flagged · risk {2}', 'Copy lines', 'Inspect example']) {
      assert.equal(bundle[message], message, `the bundle has "${message}"`);
    }
    assert.ok(Object.keys(bundle).length > 150, `${Object.keys(bundle).length} messages`);
    // English is the bundle itself: VS Code loads no translation for it.
    if (vscode.env.language === 'en') assert.equal(vscode.l10n.bundle, undefined);
  });

  test('no contributed text is a raw %key% once VS Code loaded the extension: command titles read as words', () => {
    const { packageJSON, extensionPath } = ext();
    assert.ok(existsSync(path.join(extensionPath, 'package.nls.json')), 'package.nls.json is shipped');
    const raw = JSON.stringify(packageJSON).match(/"%[\w.-]+%"/g) ?? [];
    assert.deepEqual(raw, [], 'every %key% replaced');
    const commands = packageJSON.contributes.commands as Array<{ command: string; title: string; category: string }>;
    const scanFile = commands.find((c) => c.command === 'personaLens.scanFile')!;
    assert.equal(`${scanFile.category}: ${scanFile.title}`, 'Persona Lens: Scan File');
    assert.equal(commands.find((c) => c.command === 'personaLens.selectPack')?.title, 'Select Pack…');
    for (const c of commands) assert.match(c.title, /^[A-Z][\w ,()…-]+\S$/, `${c.command}: "${c.title}"`);
    const settings = packageJSON.contributes.configuration.properties as Record<string, { description?: string; markdownDescription?: string }>;
    assert.match(settings['personaLens.threads'].description ?? '', /^Threads the model may use/);
    const [walkthrough] = packageJSON.contributes.walkthroughs as Array<{ title: string }>;
    assert.equal(walkthrough.title, 'Get started with Persona Lens');
  });
});
