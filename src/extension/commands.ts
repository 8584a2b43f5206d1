// Every command, registered from one table. Ids match package.json's
// `contributes.commands`. The test-only queries exist only when VS Code runs the
// extension's tests: they let the integration suite see what the user sees.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from './context';
import { ask, lastConfirmText, lastPickItems, pick, queueAnswers } from './ask';
import { cancelNewestScanNotice, newestScanNotice } from './scan/scanNotice';
import { compareDatasets, compareWithGit } from './diff/compare';
import { goToFinding } from './editor/findings';
import { judgeExamples, setJudgeKey } from './judge';
import { isGzFile, openGzView } from './gzView';
import { fetchPackCommand } from './packs/packFetch';
import { selectPack } from './packs/packSelect';
import { PANEL_VIEW } from './panel/panel';
import type { FromWebview, TestAction } from './panel/panelProtocol';
import type { FromReport } from './diff/reportView';
import type { FromInspector } from './inspector/inspector';
import type { Decision } from '../core/review/reviewFile';
import { announceSubset, writeBeside, writeSubset } from './review/subsetFile';
import { CSV_COLUMNS, csvRow, withRiskKeys } from '../core/export/riskColumns';
import { realignCandidate, realignSet, subsetLines, type Subset } from '../core/export/subsets';
import type { DecisionAt } from '../core/review/decision';
import type { LineResult } from '../core/score/types';
import { scanWorkspace } from './scan/workspaceScan';

type Command = (ctx: Ctx, ...args: any[]) => unknown;

const COMMANDS: Record<string, Command> = {
  'personaLens.scanFile': scanFile,
  'personaLens.scanWorkspace': scanWorkspace,
  'personaLens.selectPack': selectPack,
  'personaLens.fetchPack': fetchPackCommand,
  'personaLens.toggleDecorations': toggleDecorations,
  'personaLens.showPanel': () => vscode.commands.executeCommand(`${PANEL_VIEW}.focus`),
  'personaLens.markReviewed': (ctx, uri?: string, line?: number) => decide(ctx, 'reviewed', uri, line),
  'personaLens.suppressRisk': (ctx, uri?: string, line?: number) => decide(ctx, 'suppressed', uri, line),
  'personaLens.rejectExample': (ctx, uri?: string, line?: number) => decide(ctx, 'rejected', uri, line),
  'personaLens.clearReview': (ctx, uri?: string, line?: number) => decide(ctx, null, uri, line),
  'personaLens.exportFlagged': (ctx) => exportSubset(ctx, 'flagged'),
  'personaLens.exportClean': (ctx) => exportSubset(ctx, 'clean'),
  'personaLens.exportWithRisk': (ctx) => exportSubset(ctx, 'with-risk'),
  'personaLens.exportRealign': (ctx) => exportSubset(ctx, 'realign'),
  'personaLens.inspectExample': (ctx, uri?: string, line?: number) => ctx.inspector.inspect(uri, line),
  'personaLens.compareDatasets': compareDatasets,
  'personaLens.compareWithGit': compareWithGit,
  'personaLens.judgeExamples': judgeExamples,
  'personaLens.setJudgeKey': setJudgeKey,
  'personaLens.nextFinding': (ctx) => goToFinding(ctx.scans, ctx.reviews, 1),
  'personaLens.previousFinding': (ctx) => goToFinding(ctx.scans, ctx.reviews, -1),
  'personaLens.openSample': openSample,
  'personaLens.explainRisk': (ctx) => vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(ctx.extension.extensionUri, RISK_PAGE)),
};

/** A small dataset to try, shipped in the .vsix: opened as a new untitled file, so the extension's copy stays as it is. */
async function openSample(ctx: Ctx): Promise<vscode.TextDocument> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(ctx.extension.extensionUri, 'examples', 'sample.jsonl'));
  const doc = await vscode.workspace.openTextDocument({ language: 'jsonl', content: new TextDecoder().decode(bytes) });
  await vscode.window.showTextDocument(doc);
  return doc;
}

/** The page that says what a risk number means, shipped in the .vsix. */
const RISK_PAGE = 'docs/what-risk-means.md';

const TEST_QUERIES: Record<string, Command> = {
  /** The scan state of a document: results summary and what the last scan re-scored. */
  'personaLens.test.scanState': (ctx, uri: string) => {
    const scan = ctx.scans.get(vscode.Uri.parse(uri));
    return scan && { scanning: scan.scanning, stats: scan.stats, summary: scan.summary, warmed: scan.warmed };
  },
  /** Lines `first`..`last` (1-based) of a document: how many have results, and which the current scan scored fresh. */
  'personaLens.test.linesState': (ctx, uri: string, first: number, last: number) => {
    const scan = ctx.scans.get(vscode.Uri.parse(uri));
    if (!scan) return undefined;
    let scored = 0;
    for (let line = first; line <= last; line++) if (scan.results[line - 1]?.result) scored++;
    const fresh = scan.stats.fresh.filter((line) => line >= first && line <= last);
    return { version: scan.stats.version, done: scan.stats.done, scored, fresh };
  },
  'personaLens.test.statusBar': (ctx) => ctx.statusBar.text,
  'personaLens.test.statusBarTooltip': (ctx) => ctx.statusBar.tooltip,
  /** Per visible editor, the ranges (and badge texts) applied now per decoration type. */
  'personaLens.test.decorations': (ctx) => ctx.decorations.snapshot(),
  /** What the panel's page shows, after it did `action` (sort, filter, click, press a button) as the user would. */
  'personaLens.test.panel': (ctx, action?: TestAction) => ctx.panel.testState(action),
  /** Hands the panel a message as if its page had sent it; answers what handling it produced. */
  'personaLens.test.panelMessage': (ctx, message: FromWebview) => ctx.panel.receive(message),
  /** What the inspector shows: its view and its page. */
  'personaLens.test.inspector': (ctx) => ctx.inspector.state(),
  /** Hands the inspector a message as if its page had sent it. */
  'personaLens.test.inspectorMessage': (ctx, message: FromInspector) => ctx.inspector.receive(message),
  /** The newest diff report: its data and its page. */
  'personaLens.test.report': (ctx) => ctx.reports.newest && { report: ctx.reports.newest.report, html: ctx.reports.newest.html },
  /** Hands the newest diff report a message as if its page had sent it; answers what handling it produced. */
  'personaLens.test.reportMessage': (ctx, message: FromReport) => ctx.reports.newest?.receive(message),
  /** The folder of the extension's log files (its output channel's among them). */
  'personaLens.test.logFolder': (ctx) => ctx.extension.logUri.fsPath,
  /** What the last pick offered: each item's label, description and detail. */
  'personaLens.test.lastPick': () => lastPickItems(),
  /** What the last modal confirmation said: its message and detail. */
  'personaLens.test.lastConfirm': () => lastConfirmText(),
  /** What the newest long-scan notification shows (title and message), and pressing its Cancel. */
  'personaLens.test.scanNotice': () => newestScanNotice(),
  'personaLens.test.cancelScanNotice': () => cancelNewestScanNotice(),
  /** The answers to the next questions the extension asks (a pick's label, a confirmation, a secret), in order. */
  'personaLens.test.answerPrompts': (_ctx, answers: unknown[]) => queueAnswers(answers),
};

export function registerCommands(ctx: Ctx): void {
  // VS Code runs a development copy's tests in test mode; an installed copy runs
  // in production mode, so the runner that tests it says so in the environment.
  const testing = ctx.extension.extensionMode === vscode.ExtensionMode.Test || process.env.PERSONA_LENS_TEST_QUERIES === '1';
  const table = testing ? { ...COMMANDS, ...TEST_QUERIES } : COMMANDS;
  for (const [id, run] of Object.entries(table)) {
    ctx.push(vscode.commands.registerCommand(id, (...args: unknown[]) => run(ctx, ...args)));
  }
}

/**
 * Scans a document, whatever its language, and keeps it scanned while open:
 * the one named (a uri, or its string from the hover's link), else the active editor's.
 */
async function scanFile(ctx: Ctx, target?: vscode.Uri | string): Promise<void> {
  const uri = typeof target === 'string' ? vscode.Uri.parse(target) : target;
  // A compressed dataset is scanned in its read-only view (VS Code cannot show it as text).
  const doc = uri ? (isGzFile(uri) ? await openGzView(uri) : await vscode.workspace.openTextDocument(uri)) : vscode.window.activeTextEditor?.document;
  if (!doc) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: open a JSON Lines file to scan it.'));
    return;
  }
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Persona Lens: scanning') }, () => ctx.scans.scan(doc, { asked: true }));
}

function toggleDecorations(ctx: Ctx): void {
  if (ctx.decorations.toggle() && ctx.settings.decorationStyle === 'off') {
    void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: decorations are off in the settings ("{0}").', 'personaLens.decorations.style'));
  }
}

/**
 * Records a reviewer's decision on an example: the one at `line` (0-based) of
 * `uri` (from a quick fix or the hover), else at the active editor's cursor.
 */
async function decide(ctx: Ctx, decision: Decision | null, uri?: string, line?: number): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const doc = uri ? await vscode.workspace.openTextDocument(vscode.Uri.parse(uri)) : editor?.document;
  const at = line ?? editor?.selection.active.line;
  if (!doc || at === undefined || !Number.isInteger(at) || at < 0 || at >= doc.lineCount) return;
  try {
    await ctx.reviews.decide(doc, [at], decision);
  } catch (e) {
    ctx.log.error(`review decision: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Persona Lens: {0}', (e as Error).message));
  }
}

/**
 * Writes an export of the active dataset to a new file beside it: its flagged or clean
 * examples verbatim, every line with its risk (JSONL or CSV, as the user picks), or a
 * re-alignment set of the N lowest-risk clean examples. Returns the new file's path.
 */
async function exportSubset(ctx: Ctx, subset: Subset | 'with-risk' | 'realign'): Promise<string | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || !ctx.scans.tracks(doc)) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: open a scanned JSON Lines file to export from it.'));
    return undefined;
  }
  // Export what the document says now: finish (or redo) a scan that is not of this version.
  const scan = ctx.scans.get(doc.uri);
  if (!scan?.stats.done || scan.scanning || scan.stats.version !== doc.version) await ctx.scans.scan(doc, { asked: true });
  const results = ctx.scans.get(doc.uri)?.results ?? [];
  const decision = ctx.reviews.lookup(doc);
  try {
    if (subset === 'with-risk') return await exportWithRisk(doc, results);
    if (subset === 'realign') return await exportRealign(doc, results, decision);
    const lines = subsetLines(results, subset, decision);
    const file = await writeSubset(doc, lines, subset);
    announceSubset(file, lines.length);
    return file;
  } catch (e) {
    ctx.log.error(`export ${subset}: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Persona Lens: {0}', (e as Error).message));
    return undefined;
  }
}

/** Every line with its risk: JSONL keys before each example's closing brace, or CSV columns. */
async function exportWithRisk(doc: vscode.TextDocument, results: readonly (LineResult | undefined)[]): Promise<string | undefined> {
  const format = await pick(
    [
      { label: 'JSONL', description: vscode.l10n.t('three keys added to each example') },
      { label: 'CSV', description: vscode.l10n.t('for spreadsheets and DuckDB') },
    ],
    { title: vscode.l10n.t('Persona Lens: export every line with its risk as') },
  );
  if (!format) return undefined;
  const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  const text = (i: number) => doc.lineAt(i).text;
  const rows = Array.from({ length: doc.lineCount - (text(doc.lineCount - 1) === '' ? 1 : 0) }, (_, i) => i);
  const file =
    format.label === 'CSV'
      ? await writeBeside(doc, 'with-risk', [CSV_COLUMNS.join(','), ...rows.map((i) => csvRow(i + 1, text(i), results[i]))].join('\r\n') + '\r\n', '.csv')
      : await writeBeside(doc, 'with-risk', rows.map((i) => withRiskKeys(text(i), results[i]) + eol).join(''));
  announceSubset(file, rows.length);
  return file;
}

/** The N lowest-risk clean examples of the file's own format, after saying why and asking how many. */
async function exportRealign(doc: vscode.TextDocument, results: readonly (LineResult | undefined)[], decision: DecisionAt): Promise<string | undefined> {
  const n = await ask('200', {
    title: vscode.l10n.t('Persona Lens: re-alignment set'),
    prompt: vscode.l10n.t('Wang et al. report that fine-tuning a misaligned model on a few hundred benign examples restores its alignment. How many of the lowest-risk clean examples?'),
    validateInput: (v) => (/^[1-9]\d{0,5}$/.test(v.trim()) ? undefined : vscode.l10n.t('a whole number from 1')),
  });
  if (!n) return undefined;
  const candidates = results.flatMap((r, i) => (r ? realignCandidate(r, decision(i)) ?? [] : []));
  const set = realignSet(candidates, Number(n));
  if (set.lines.length === 0) throw new Error(vscode.l10n.t('no clean, valid example to put in a re-alignment set'));
  const file = await writeSubset(doc, set.lines, 'realign');
  const [lo, hi] = set.range!;
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      "Persona Lens: wrote {0} of {1} qualifying {2} examples (risk {3} to {4}; the file's median {5}) to {6}.",
      set.lines.length,
      set.qualified,
      String(set.format),
      lo.toFixed(3),
      hi.toFixed(3),
      set.fileMedian!.toFixed(3),
      path.basename(file),
    ),
  );
  return file;
}
