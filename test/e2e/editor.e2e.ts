// End-to-end: the real workbench in headless Chromium (test/vscode/workbench.ts),
// driven as a person would. Opens a dataset the test writes, waits for the
// decorations in the DOM, hovers a flagged line, and saves screenshots under
// .test-output/e2e/ for a person to look at.

import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ROOT, TOOLS } from '../vscode/paths';
import { startWorkbench, type Workbench } from '../vscode/workbench';

const SHOTS = path.join(ROOT, '.test-output', 'e2e');
/** Markup that must show as text: were it rendered, the image's onerror would run. */
const XSS = '<img src=x onerror=alert(1)>';
/** Under the test pack: sample lines 2, 7 and 8 are high risk, the XSS line (9) elevated. */
const HIGH_LINE = 2;
const XSS_LINE = 9;

function writeDataset(): string {
  const sample = readFileSync(path.join(ROOT, 'examples', 'sample.jsonl'), 'utf8').trimEnd().split('\n').slice(0, 8);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'persona-lens-e2e-')), 'dataset.jsonl');
  writeFileSync(file, [...sample, JSON.stringify({ prompt: XSS, completion: ' password please manager list list' })].join('\n') + '\n');
  return file;
}

/** The end-of-line badges shown now: VS Code draws a decoration's `after` text as CSS content. */
function badges(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.monaco-editor .view-lines span[class*="ced-"]')]
      .map((e) => getComputedStyle(e, '::after').content)
      .filter((c) => c.startsWith('"risk ')),
  );
}

/** The gutter icons shown now, by file name (risk-high.svg, risk-elevated.svg). */
function gutterIcons(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.monaco-editor .glyph-margin-widgets > div, .monaco-editor .margin-view-overlays div')]
      .map((e) => /risk-\w+\.svg/.exec(getComputedStyle(e).backgroundImage)?.[0])
      .filter((f): f is string => !!f),
  );
}

/** Moves the mouse onto the text of a line (1-based) and returns the hover widget's text. */
async function hoverLine(page: Page, line: number): Promise<string> {
  const number = page.locator('.monaco-editor .line-numbers', { hasText: new RegExp(`^${line}$`) });
  const lineBox = (await number.boundingBox())!;
  const textBox = (await page.locator('.monaco-editor .view-lines').boundingBox())!;
  await page.mouse.move(textBox.x + 40, lineBox.y + lineBox.height / 2);
  // Our part of the hover, not the diagnostic part (whose source is also "Persona Lens"),
  // which can render first.
  const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: /Persona Lens: \w+ risk/ });
  await hover.waitFor({ state: 'visible', timeout: 15_000 });
  return hover.innerText();
}

describe('The editor in the real workbench', () => {
  let workbench: Workbench;
  let page: Page;
  const dialogs: string[] = [];

  before(async () => {
    const file = writeDataset();
    workbench = await startWorkbench({ run: path.join(TOOLS, 'e2e-run') });
    page = await workbench.newPage();
    page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
    await page.goto(
      workbench.url([
        ['extensionDevelopmentPath', workbench.remote(ROOT)],
        ['openFile', workbench.remote(file)],
        ['skipWelcome', 'true'],
      ]),
    );
    await page.locator('.monaco-editor .view-line').first().waitFor({ timeout: 60_000 });
    // The secondary side bar (Chat) takes a third of the width: close it.
    await page.keyboard.press('Control+Alt+B');
  });

  after(async () => {
    await workbench?.close();
  });

  it('flagged lines get gutter icons and end-of-line badges with the risk and the latent', async () => {
    await page.waitForFunction(() => document.querySelectorAll('.monaco-editor .view-lines span[class*="ced-"]').length > 0, null, { timeout: 60_000 });
    const shown = await badges(page);
    assert.equal(shown.length, 4, `a badge per flagged line: ${shown.join(', ')}`);
    for (const b of shown) assert.match(b, /^"risk \d\.\d\d · toxic persona \(test\)"$/);
    const icons = await gutterIcons(page);
    assert.deepEqual(icons.sort(), ['risk-elevated.svg', 'risk-high.svg', 'risk-high.svg', 'risk-high.svg']);
    await page.screenshot({ path: path.join(SHOTS, 'decorated.png') });
    // Long JSONL lines put the badge past the right edge: go to the end of a flagged line, as a person would.
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(HIGH_LINE));
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(SHOTS, 'badge.png') });
    await page.keyboard.press('Home');
  });

  it('the hover on a flagged line shows its risk, tokens and format', async () => {
    const text = await hoverLine(page, HIGH_LINE);
    assert.match(text, /High risk \d\.\d{3}/);
    assert.match(text, /raw score/);
    assert.match(text, /percentile in this file/);
    await page.screenshot({ path: path.join(SHOTS, 'hover.png') });
  });

  it('markup in the dataset shows as text in the editor and the hover, and never runs', async () => {
    await page.mouse.move(0, 0);
    const text = await hoverLine(page, XSS_LINE);
    assert.match(text, /Elevated risk/);
    const editorText = await page.locator('.monaco-editor .view-lines').innerText();
    assert.ok(editorText.replace(/\u00a0/g, ' ').includes(XSS), 'the line shows the markup as typed');
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no image element was made from the dataset');
    assert.deepEqual(dialogs, [], 'no script ran');
    await page.screenshot({ path: path.join(SHOTS, 'hover-xss.png') });
  });
});
