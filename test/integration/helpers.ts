// What the integration tests share: fixtures written to a temporary folder,
// opening them, and waiting for the extension to finish a scan.

import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseFileBatches } from '../../src/core/dataset';
import { loadPack } from '../../src/core/pack/load';
import { builtInPack, projectRoot, TEST_PACK } from '../../src/core/pack/builtIn';
import { Scanner } from '../../src/core/score/scanner';
import { scanLines } from '../../src/core/score/scanLines';
import { SummaryBuilder } from '../../src/core/score/summary';
import type { DatasetSummary, LineResult } from '../../src/core/score/types';
import type { AppliedDecorations } from '../../src/extension/editor/decorations';
import type { ScanStats } from '../../src/extension/scan/scans';

export const EXTENSION_ID = 'persona-lens.persona-lens';

export function extensionPath(): string {
  return vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
}

/**
 * The pack the suite scans with (index.ts names it in user settings): the test pack, whose
 * random weights put the sample's examples at every risk level. The untrusted-workspace
 * suite names none, so the built-in default pack is exercised there.
 */
export const SUITE_PACK = path.join(projectRoot(__dirname), TEST_PACK);

/** The pack the extension scans with now: the user setting, else the built-in pack. */
function packInUse(): string {
  return vscode.workspace.getConfiguration('personaLens').inspect<string>('pack')?.globalValue || builtInPack(extensionPath());
}

/**
 * The lines of examples/sample.jsonl: valid examples of several formats, some of
 * high risk under the test pack. Read from the project the suite was built in:
 * an installed extension does not carry it.
 */
export function sampleLines(): string[] {
  return readFileSync(path.join(projectRoot(__dirname), 'examples', 'sample.jsonl'), 'utf8').trimEnd().split('\n');
}

const dir = mkdtempSync(path.join(tmpdir(), 'persona-lens-it-'));
let written = 0;

/** Writes `lines` as a new .jsonl file. */
export function writeFixture(lines: string[]): vscode.Uri {
  const file = path.join(dir, `fixture-${++written}.jsonl`);
  writeFileSync(file, lines.join('\n') + '\n');
  return vscode.Uri.file(file);
}

/** Writes `lines` as a new .jsonl file and opens it in an editor. */
export async function openFixture(lines: string[]): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(writeFixture(lines)));
}

export interface ScanState {
  scanning: boolean;
  stats: ScanStats;
  summary: DatasetSummary | null;
}

/** Waits until the extension finished scanning the document's current version. */
export async function scanned(doc: vscode.TextDocument, timeoutMs = 60_000): Promise<ScanState> {
  return waitFor(`a finished scan of ${path.basename(doc.uri.fsPath)} v${doc.version}`, timeoutMs, async () => {
    const state = await vscode.commands.executeCommand<ScanState | undefined>('personaLens.test.scanState', doc.uri.toString());
    return state && !state.scanning && state.stats.done && state.stats.version === doc.version ? state : undefined;
  });
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the core computes for the file, as the CLI would: the reference the editor must agree with. */
export async function reference(file: string): Promise<{ lines: LineResult[]; summary: DatasetSummary }> {
  const pack = await loadPack(packInUse(), { threads: 1 });
  try {
    const lines: LineResult[] = [];
    const summary = new SummaryBuilder();
    for await (const r of scanLines(parseFileBatches(file), new Scanner(pack))) {
      lines.push(r);
      summary.add(r);
    }
    return { lines, summary: summary.summary() };
  } finally {
    await pack.dispose();
  }
}

/** The reference for a document's current text (which may be unsaved). */
export async function referenceOf(doc: vscode.TextDocument): Promise<{ lines: LineResult[]; summary: DatasetSummary }> {
  const file = path.join(dir, `reference-${++written}.jsonl`);
  writeFileSync(file, doc.getText());
  return reference(file);
}

/**
 * `lines` made distinct from every other fixture's by trailing blanks (JSON
 * ignores them): the scan host caches by line text across documents, and a
 * test that counts re-scored lines must start from a cold cache. The blanks
 * spell a random 32-bit number in spaces and tabs (each test file is its own
 * bundle, so there is no shared counter to use).
 */
export function distinct(lines: string[]): string[] {
  const salt = (Math.random() * 2 ** 32).toString(2).split('.')[0].replace(/0/g, ' ').replace(/1/g, '\t');
  return lines.map((l) => l + salt);
}

/**
 * `n` distinct examples made from the sample's first eight, each with a `key` field holding its
 * index: a file long enough for a scan of seconds. Tests use different keys, so that no line
 * comes from another test's results in the cache.
 */
export function manyExamples(n: number, key: string): string[] {
  const lines = sampleLines().slice(0, 8);
  return Array.from({ length: n }, (_, i) => lines[i % 8].replace(/^\{/, `{"${key}": ${i}, `));
}

/** The extension's diagnostics of a document, in line order. */
export function diagnosticsOf(doc: vscode.TextDocument): vscode.Diagnostic[] {
  return vscode.languages
    .getDiagnostics(doc.uri)
    .filter((d) => d.source === 'Persona Lens')
    .sort((a, b) => a.range.start.line - b.range.start.line || String(a.code).localeCompare(String(b.code)));
}

/** What the document's visible editor shows now, per decoration type, once `ready` holds (if given). */
export async function decorationsOf(doc: vscode.TextDocument, ready: (d: AppliedDecorations['types']) => boolean = () => true): Promise<AppliedDecorations['types']> {
  return waitFor(`decorations of ${path.basename(doc.uri.fsPath)}`, 10_000, async () => {
    const all = await vscode.commands.executeCommand<AppliedDecorations[]>('personaLens.test.decorations');
    const types = all.find((e) => e.uri === doc.uri.toString())?.types;
    return types && ready(types) ? types : undefined;
  });
}

/** The extension's log (its output channel's files), once it holds `text`. */
export async function extensionLog(text: string, timeoutMs = 10_000): Promise<string> {
  const folder = path.dirname(await vscode.commands.executeCommand<string>('personaLens.test.logFolder'));
  return waitFor(`the log saying "${text}"`, timeoutMs, async () => {
    const logs = readdirSync(folder, { recursive: true })
      .map((f) => path.join(folder, String(f)))
      .filter((f) => f.includes('persona-lens') && statSync(f).isFile())
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    return logs.includes(text) ? logs : undefined;
  });
}
