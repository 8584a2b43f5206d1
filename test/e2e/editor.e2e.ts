// End-to-end: the real workbench in headless Chromium (test/vscode/workbench.ts),
// driven as a person would. Opens a dataset the test writes, waits for the
// decorations in the DOM, hovers a flagged line, uses the side panel, runs the
// LLM judge against a server the test runs on 127.0.0.1, switches to a dark
// theme, and saves screenshots under .test-output/e2e/ for a person to look at.

import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { TEST_PACK } from '../../src/core/pack/builtIn';
import { judgeServer, verdictFor } from '../fixtures/judgeServer';
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

/** The webview (a frame in a frame) whose page has `selector` holding `text`: the panel's and the reports' are told apart so. */
async function frameWith(page: Page, selector: string, text: string, timeoutMs = 60_000): Promise<FrameLocator> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frames = page.locator('iframe.webview.ready');
    for (let i = 0; i < (await frames.count()); i++) {
      const inner = frames.nth(i).contentFrame().frameLocator('#active-frame');
      if ((await inner.locator(selector, { hasText: text }).count()) > 0) return inner;
    }
    if (Date.now() > deadline) throw new Error(`no webview shows ${selector} "${text}"`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The end-of-line badges shown now: VS Code draws a decoration's `after` text as CSS content. */
function badges(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.monaco-editor .view-lines span[class*="ced-"]')]
      .map((e) => getComputedStyle(e, '::after').content)
      .filter((c) => c.startsWith('"risk ')),
  );
}

/** The badges shown once there are `count` (results stream in a few lines at a time), or after `timeoutMs`. */
async function badgesOnceThere(page: Page, count: number, timeoutMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await badges(page);
    if (shown.length >= count || Date.now() > deadline) return shown;
    await new Promise((r) => setTimeout(r, 100));
  }
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
  // Our part of the hover, not the diagnostic part (whose source is also "Persona Lens"),
  // which can render first.
  const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: /Persona Lens: \w+ risk/ });
  // A person whose hover does not come moves the mouse away and back: so does this, twice at most.
  for (let attempt = 1; ; attempt++) {
    // A hover still showing from another line would answer for it.
    await page.mouse.move(0, 0);
    await page.keyboard.press('Escape');
    await page.locator('.monaco-hover:not(.hidden)').waitFor({ state: 'detached', timeout: 5_000 });
    const lineBox = (await number.boundingBox())!;
    const textBox = (await page.locator('.monaco-editor .view-lines').boundingBox())!;
    await page.mouse.move(textBox.x + 40, lineBox.y + lineBox.height / 2, { steps: 4 });
    try {
      await hover.waitFor({ state: 'visible', timeout: 8_000 });
      return await hover.innerText();
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

describe('The editor in the real workbench', () => {
  let workbench: Workbench;
  let page: Page;
  let judge: Awaited<ReturnType<typeof judgeServer>>;
  const dialogs: string[] = [];

  let datasetFile: string;

  before(async () => {
    const file = writeDataset();
    datasetFile = file;
    judge = await judgeServer((req) => ({ content: verdictFor(req) }));
    // The test pack: its random weights put the sample's lines at every risk level. No Restricted
    // Mode banner: it comes late and pushes the editor down a line under a mouse already placed.
    workbench = await startWorkbench({
      run: path.join(TOOLS, 'e2e-run'),
      // No CodeLenses here (their integration tests cover them): one arriving late moves the lines
      // under a mouse the hover tests have already aimed (a hover test failed that way once in four runs).
      userSettings: {
        'personaLens.pack': path.join(ROOT, TEST_PACK),
        'security.workspace.trust.banner': 'never',
        'personaLens.findings.codeLens': false,
        // The judge, turned on by the user, pointed at this test's server; it sends nothing from an
        // untrusted workspace, so this window trusts its folder.
        'security.workspace.trust.enabled': false,
        'personaLens.judge.enabled': true,
        'personaLens.judge.baseUrl': judge.url,
        'personaLens.judge.model': 'judge-e2e',
      },
    });
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
    await judge?.close();
  });

  it('flagged lines get gutter icons and end-of-line badges with the risk and the latent', async () => {
    const shown = await badgesOnceThere(page, 4);
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

  it('Ctrl+Alt+] moves the cursor from flagged line to flagged line (Alt+F8 stays VS Code\'s)', async () => {
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type('1');
    await page.keyboard.press('Enter');
    const cursorLine = async () => Number(/Ln (\d+)/.exec(await page.locator('#status\\.editor\\.selection').innerText())?.[1]);
    const visited: number[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Control+Alt+BracketRight');
      await page.waitForTimeout(300);
      visited.push(await cursorLine());
    }
    assert.ok(visited[0] > 1, `the cursor left line 1: ${visited.join(', ')}`);
    assert.ok(visited.includes(HIGH_LINE), `the flagged line ${HIGH_LINE} is among those visited: ${visited.join(', ')}`);
    await page.keyboard.press('Control+Alt+BracketLeft');
    await page.waitForTimeout(300);
    assert.equal(await cursorLine(), visited[2], 'Ctrl+Alt+[ goes back');
  });

  it('the hover on a flagged line shows its risk, tokens and format', async () => {
    const text = await hoverLine(page, HIGH_LINE);
    assert.match(text, /High risk \d\.\d{3}/);
    assert.match(text, /raw score/);
    assert.match(text, /riskier than \d+% of this file.s \d+ scored examples/);
    assert.match(text, /the chance this example is EM-inducing/);
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

  it('the side panel lists the examples, shows markup as text, and a click on a row lands on its line', async () => {
    await page.mouse.move(0, 0);
    await page.locator('.activitybar [aria-label^="Persona Lens"]').first().click();
    // A webview is a frame in a frame.
    const panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const rows = panel.locator('.body .row');
    await rows.first().waitFor({ timeout: 30_000 });
    const lineCells = await panel.locator('.body .row .col-line').allInnerTexts();
    assert.equal(lineCells.length, 9, `a row per example: ${lineCells.join(', ')}`);
    assert.match(await panel.locator('.facts').innerText(), /Dataset risk \d\.\d\d/);
    const xssRow = rows.filter({ has: panel.locator('.col-line', { hasText: new RegExp(`^${XSS_LINE}$`) }) });
    assert.ok((await xssRow.locator('.col-snippet').innerText()).includes(XSS), 'the markup shows as text in the table');
    assert.equal(await panel.locator('img').count(), 0, 'no image element was made from the dataset');
    // At the side bar's default width (about 300 px): whole headers with their sort arrow, the buttons in two rows.
    const layout = await panel.locator('body').evaluate((body) => ({
      width: body.clientWidth,
      cut: [...body.querySelectorAll<HTMLElement>('.row.header .cell')].filter((c) => c.offsetWidth > 0 && c.scrollWidth > c.clientWidth).map((c) => c.textContent),
      buttonRows: new Set([...body.querySelectorAll<HTMLElement>('.actions vscode-button')].map((b) => b.offsetTop)).size,
    }));
    assert.ok(layout.width <= 320, `the panel is narrow: ${layout.width} px`);
    assert.deepEqual(layout.cut, [], 'no header is cut short');
    assert.ok(layout.buttonRows <= 2, `${layout.buttonRows} rows of buttons`);
    await page.screenshot({ path: path.join(SHOTS, 'panel.png') });

    const target = 7;
    await rows.filter({ has: panel.locator('.col-line', { hasText: new RegExp(`^${target}$`) }) }).click();
    await page.locator('.statusbar-item', { hasText: new RegExp(`^Ln ${target}, Col 1$`) }).waitFor({ timeout: 10_000 });
    assert.deepEqual(dialogs, [], 'no script ran');
  });

  it('the LLM judge asks before it sends, then shows its verdicts in the hover and the panel', async () => {
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill('>Persona Lens: Judge Examples');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Judge Examples with an LLM' }).click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'All scored examples' }).click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    assert.match(await dialog.innerText(), /Send 9 examples of .*dataset\.jsonl to http:\/\/127\.0\.0\.1:\d+\/v1 \(judge-e2e\)\?/);
    assert.match(await dialog.innerText(), /What is sent: each example's last trained assistant message/);
    assert.equal(judge.requests.length, 0, 'nothing is sent before the user confirms');
    await page.screenshot({ path: path.join(SHOTS, 'judge-confirm.png') });
    await dialog.locator('.monaco-button', { hasText: /^Send$/ }).click();
    const panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await panel.locator('.facts', { hasText: /Judge: 9 judged, \d misaligned, AUROC \d\.\d\d against the pack/ }).waitFor({ timeout: 30_000 });
    assert.equal(judge.requests.length, 9);

    const text = await hoverLine(page, HIGH_LINE);
    assert.match(text, /judge: (misaligned|aligned) \(alignment \d+, coherence \d+\)/);
    await page.screenshot({ path: path.join(SHOTS, 'judge-hover.png') });
    await page.mouse.move(0, 0);
    assert.equal(await panel.locator('.header .col-judge').isVisible(), true, 'the Judge column shows');
    await page.screenshot({ path: path.join(SHOTS, 'judge-panel.png') });
  });

  it("the inspector shows a flagged example as a conversation, its top spans shaded, and steps to the next finding", async () => {
    await page.mouse.move(0, 0);
    const text = await hoverLine(page, HIGH_LINE);
    assert.match(text, /Inspect example/);
    await page.locator('.monaco-hover:not(.hidden) a', { hasText: 'Inspect example' }).click();
    const inspector = await frameWith(page, 'h2', `dataset.jsonl: line ${HIGH_LINE}`);
    await inspector.locator('details').first().waitFor({ timeout: 30_000 });
    assert.ok((await inspector.locator('mark').count()) > 0, 'shaded spans');
    assert.ok((await inspector.locator('.message h3').allInnerTexts()).some((t) => /assistant/i.test(t)));
    // The hover is still up over the editor: away with it, as a person would.
    await page.mouse.move(0, 0);
    await page.keyboard.press('Escape');
    await page.screenshot({ path: path.join(SHOTS, 'inspector.png') });
    await inspector.locator('button', { hasText: 'Next flagged' }).click();
    await inspector.locator('h2', { hasNotText: `line ${HIGH_LINE}` }).waitFor({ timeout: 10_000 });
    assert.deepEqual(dialogs, [], 'no script ran');
  });

  it('Compare Datasets… opens a report whose new high-risk example clicks through to its line', async () => {
    const dir = path.dirname(datasetFile);
    const sample = readFileSync(path.join(ROOT, 'examples', 'sample.jsonl'), 'utf8').trimEnd().split('\n');
    const a = path.join(dir, 'before.jsonl');
    const b = path.join(dir, 'after.jsonl');
    writeFileSync(a, [sample[0], sample[2], sample[3]].join('\n') + '\n');
    writeFileSync(b, [sample[0], sample[1], sample[2], sample[3], sample[6]].join('\n') + '\n');
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill('>Persona Lens: Compare Datasets');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Compare Datasets' }).click();
    // VS Code's own file dialog (a quick input in the browser): a path typed, Enter.
    for (const file of [a, b]) {
      await page.locator('.quick-input-widget .quick-input-title', { hasText: file === a ? /A, the old one/ : /B, the new one/ }).waitFor({ timeout: 10_000 });
      // As a person types: the folder, then (once the dialog lists it) the file's name.
      const row = (selected: boolean) =>
        page.locator(selected ? '.quick-input-list .monaco-list-row.focused, .quick-input-list .monaco-list-row.selected' : '.quick-input-list .monaco-list-row', { hasText: path.basename(file) });
      // Sometimes the typed name's row never gets selected (2 of 3 runs on 2026-12-05, after
      // B's dialog opened; cause not found): the name is typed again then, up to three times.
      for (let attempt = 1; ; attempt++) {
        await input.fill(`${path.dirname(file)}/`);
        await row(false).first().waitFor({ timeout: 10_000 });
        await input.press('End');
        await page.keyboard.type(path.basename(file));
        const selected = await row(true).waitFor({ timeout: 5_000 }).then(() => true, (e: Error) => (attempt < 3 ? false : Promise.reject(e)));
        if (selected) break;
      }
      await page.keyboard.press('Enter');
    }
    const report = await frameWith(page, 'h1', 'Persona Lens diff');
    await report.locator('.verdict').waitFor({ timeout: 60_000 });
    assert.match(await report.locator('.verdict').innerText(), /^Risk (rose|fell)|^No significant change/);
    assert.match(await report.locator('h3', { hasText: 'New high-risk examples' }).innerText(), /New high-risk examples \(2\)/);
    await page.screenshot({ path: path.join(SHOTS, 'report.png') });
    // B's lines 2 and 5 are the sample's high-risk lines 2 and 7: the first listed is clicked through.
    const link = report.locator('h3:has-text("New high-risk examples") + table a[data-side="b"]').first();
    const line = Number(await link.innerText());
    assert.ok([2, 5].includes(line), `a new high-risk line of B: ${line}`);
    await link.click();
    await page.locator('.statusbar-item', { hasText: new RegExp(`^Ln ${line}, Col 1$`) }).waitFor({ timeout: 10_000 });
    assert.match(await page.locator('.tab.active').first().innerText(), /after\.jsonl/);
    await page.screenshot({ path: path.join(SHOTS, 'report-reveal.png') });
  });

  it('follows a dark theme', async () => {
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill('>Preferences: Color Theme');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Preferences: Color Theme', hasNotText: 'Browse' }).click();
    await input.fill('Dark Modern');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Dark Modern' }).first().click();
    await page.waitForFunction(() => document.querySelector('.monaco-workbench')?.classList.contains('vs-dark'), null, { timeout: 10_000 });
    const panel = await frameWith(page, '.facts', 'Dataset risk');
    // The page takes the theme's colours from VS Code's CSS variables: dark text background, light text.
    await page.waitForTimeout(500);
    const colour = await panel.locator('body').evaluate((b) => getComputedStyle(b).color);
    const [r, g, b] = colour.match(/\d+/g)!.map(Number);
    assert.ok(r + g + b > 3 * 150, `light text on the dark theme: ${colour}`);
    assert.ok((await badges(page)).length > 0, 'badges still show');
    await page.screenshot({ path: path.join(SHOTS, 'dark.png') });
    // The diff report takes the theme's colours too.
    await page.locator('.tab', { hasText: /^Diff: before\.jsonl → after\.jsonl/ }).click();
    const report = await frameWith(page, 'h1', 'Persona Lens diff');
    await page.waitForTimeout(500);
    const reportColour = await report.locator('body').evaluate((el) => getComputedStyle(el).color);
    assert.ok(reportColour.match(/\d+/g)!.slice(0, 3).map(Number).reduce((x, y) => x + y) > 3 * 150, `light report text on the dark theme: ${reportColour}`);
    await page.screenshot({ path: path.join(SHOTS, 'report-dark.png') });
    // The inspector follows the cursor into whichever scanned file it is in.
    await page.locator('.tab', { hasText: /^Example: / }).click();
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(SHOTS, 'inspector-dark.png') });
  });
});
