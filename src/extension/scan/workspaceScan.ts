// "Scan Workspace": every *.jsonl and *.jsonl.gz under the workspace folders (or
// one folder the caller names), scanned one file at a time through the scan
// host, with a cancellable progress notification and a summary at the end.
//
// A file open in the editor is scanned as its document (so its results show
// everywhere). Any other file is read from disk (gunzipped when its bytes are
// gzip's, as the core's reader does): its findings go to the Problems panel,
// until it is opened and its document's results take over.

import * as vscode from 'vscode';
import type { DatasetSummary, LineResult } from '../../core/score/types';
import type { Ctx } from '../context';
import { gzViewUri, readDatasetText } from '../gzView';
import { scanProgress } from '../editor/riskText';
import { Throttle } from './throttle';

const INCLUDE = '**/*.{jsonl,jsonl.gz}';
const EXCLUDE = '**/node_modules/**';
/** How often a file's progress is told while it is scanned. */
const PROGRESS_MS = 500;

export interface WorkspaceScanSummary {
  /** Files found. */
  found: number;
  /** Files scanned to the end. */
  files: number;
  /** Files that could not be read or scanned (see the log). */
  failed: number;
  examples: number;
  /** Examples at elevated or high risk. */
  flagged: number;
  /** The file holding the riskiest example, and that risk; null when nothing was scored. */
  highest: { file: string; maxRisk: number } | null;
  /** Whether the user stopped the scan before the last file. */
  cancelled: boolean;
}

/** Scans the workspace's datasets (or those under `folder`); answers the summary, undefined when there is no folder. */
export async function scanWorkspace(ctx: Ctx, folder?: vscode.Uri | string): Promise<WorkspaceScanSummary | undefined> {
  const roots = folder ? [typeof folder === 'string' ? vscode.Uri.file(folder) : folder] : (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri);
  if (roots.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: open a folder to scan its JSON Lines files.'));
    return undefined;
  }
  const found = new Map<string, vscode.Uri>();
  for (const root of roots) {
    for (const uri of await vscode.workspace.findFiles(new vscode.RelativePattern(root, INCLUDE), EXCLUDE)) found.set(uri.toString(), uri);
  }
  const files = [...found.values()].sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  const out: WorkspaceScanSummary = { found: files.length, files: 0, failed: 0, examples: 0, flagged: 0, highest: null, cancelled: false };
  if (files.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: no .jsonl or .jsonl.gz files found.'));
    return out;
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Persona Lens: scanning the workspace'), cancellable: true },
    async (progress, token) => {
      // Cancelling stops the file being scanned too.
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      for (const [i, uri] of files.entries()) {
        if (token.isCancellationRequested) {
          out.cancelled = true;
          break;
        }
        const file = `${i + 1}/${files.length}: ${vscode.workspace.asRelativePath(uri)}`;
        progress.report({ message: file, increment: 100 / files.length });
        let summary: DatasetSummary | null;
        try {
          // Per example too: lines done of the file's, the rate and the time left.
          summary = await scanOne(ctx, uri, abort.signal, (line) => progress.report({ message: `${file} · ${line}` }));
          if (token.isCancellationRequested) {
            out.cancelled = true;
            break;
          }
        } catch (e) {
          ctx.log.error(`workspace scan of ${uri.fsPath}: ${(e as Error).message}`);
          summary = null;
        }
        if (!summary) {
          out.failed++;
          continue;
        }
        out.files++;
        out.examples += summary.examples;
        out.flagged += summary.counts.elevated + summary.counts.high;
        if (summary.maxRisk !== null && (!out.highest || summary.maxRisk > out.highest.maxRisk)) out.highest = { file: uri.fsPath, maxRisk: summary.maxRisk };
      }
    },
  );
  void vscode.window.showInformationMessage(message(out));
  return out;
}

/** Scans a file (the open document when it is open), telling `onProgress` how far a closed one got now and then. */
async function scanOne(ctx: Ctx, uri: vscode.Uri, signal: AbortSignal, onProgress: (text: string) => void): Promise<DatasetSummary | null> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString() || d.uri.toString() === gzViewUri(uri).toString());
  if (open) {
    await ctx.scans.scan(open, { asked: true });
    const scan = ctx.scans.get(open.uri);
    return scan?.stats.done && scan.stats.version === open.version ? scan.summary : null;
  }
  const { text, compressed } = await readDatasetText(uri);
  // Findings of a compressed file point into its read-only view, not at the binary file.
  const shownAt = compressed ? gzViewUri(uri) : uri;
  const host = await ctx.scanHost();
  const key = `workspace-scan:${uri.toString()}`;
  // Only lines with something to show are kept: a large file's clean lines cost nothing.
  const findings: LineResult[] = [];
  const keep = (r: LineResult) => r.diagnostics.length > 0 || (r.result && r.result.level !== 'low');
  const total = text.split('\n').length;
  const started = Date.now();
  let done = 0;
  const told = new Throttle(PROGRESS_MS);
  try {
    const summary = await host.scan(
      { key, version: 0, text: () => text },
      (results) => {
        findings.push(...results.filter(keep));
        done += results.length;
        told.run('progress', () => onProgress(scanProgress(done, total, Date.now() - started)));
      },
      signal,
    );
    if (!summary) return null;
    // Lines as an editor would show them (for their ranges and reviewers' decisions).
    const lines = text.split(/\r?\n/);
    ctx.diagnostics.showClosed({ uri: shownAt, lineCount: lines.length, lineAt: (i) => ({ text: lines[i] }) }, findings);
    return summary;
  } finally {
    told.dispose();
    host.close(key);
  }
}

function message(s: WorkspaceScanSummary): string {
  const parts = [vscode.l10n.t('{0} file(s)', s.files), vscode.l10n.t('{0} example(s)', s.examples), vscode.l10n.t('{0} flagged', s.flagged)];
  if (s.highest) parts.push(vscode.l10n.t('highest risk {0} in {1}', s.highest.maxRisk.toFixed(2), vscode.workspace.asRelativePath(s.highest.file)));
  if (s.failed) parts.push(vscode.l10n.t('{0} file(s) failed (see the log)', s.failed));
  const what = parts.join(', ');
  return s.cancelled
    ? vscode.l10n.t('Persona Lens: workspace scan cancelled after {0} of {1} file(s): {2}.', s.files + s.failed, s.found, what)
    : vscode.l10n.t('Persona Lens: workspace scanned: {0}.', what);
}
