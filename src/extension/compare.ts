// Compare Datasets… and Compare with Git…: two datasets scanned and compared in the scan
// host (core/diff), with progress in a cancellable notification, and the report opened in
// its own tab (reportView.ts).

import * as path from 'node:path';
import * as vscode from 'vscode';
import { gitRefs } from '../core/diff/gitSide';
import type { DiffInput } from '../worker/protocol';
import { ask, openFile, pick } from './ask';
import type { Ctx } from './context';
import { GZ_SCHEME, gzViewUri, isGzFile } from './gzView';
import { gitViewUri } from './gitView';
import { ReportView, type ReportSides } from './reportView';

const DATASETS = { 'JSON Lines datasets': ['jsonl', 'gz'], 'All files': ['*'] };

/**
 * Compares two dataset files: the two selected in the Explorer (`selected`), else the two the
 * user picks, A (the old) first.
 */
export async function compareDatasets(ctx: Ctx, _clicked?: vscode.Uri, selected?: vscode.Uri[]): Promise<ReportView | undefined> {
  const two = selected?.length === 2 ? selected : undefined;
  const a = two?.[0] ?? (await openFile('Persona Lens: compare datasets — A, the old one', DATASETS));
  if (!a) return undefined;
  const b = two?.[1] ?? (await openFile(`Persona Lens: compare ${path.basename(a.fsPath)} (A) with — B, the new one`, DATASETS));
  if (!b) return undefined;
  return runDiff(ctx, { label: vscode.workspace.asRelativePath(a), file: a.fsPath }, sideInput(b), { a: viewOf(a), b: viewOf(b) });
}

/** Compares the active dataset (as the editor has it, saved or not) with its file at a git ref the user picks. */
export async function compareWithGit(ctx: Ctx): Promise<ReportView | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  const file = doc && (doc.uri.scheme === 'file' || doc.uri.scheme === GZ_SCHEME) ? doc.uri.fsPath : null;
  if (!doc || !file) {
    void vscode.window.showInformationMessage('Persona Lens: open a dataset saved in a git repository to compare it with git.');
    return undefined;
  }
  const other = '$(edit) Another ref…';
  let refs: string[];
  try {
    refs = gitRefs(file);
  } catch (e) {
    return failed(ctx, e as Error);
  }
  const chosen = await pick([...refs.map((r) => ({ label: r })), { label: other }], { title: `Persona Lens: compare ${path.basename(file)} with it at` });
  if (!chosen) return undefined;
  const ref =
    chosen.label === other
      ? await ask('HEAD~1', { title: 'Persona Lens: compare with the file at', prompt: 'A branch, tag, commit or any ref git knows', validateInput: (v) => (v.trim() ? undefined : 'a ref') })
      : chosen.label;
  if (!ref) return undefined;
  // B is the document as the editor has it (sideInput).
  return runDiff(ctx, { label: `${vscode.workspace.asRelativePath(doc.uri)} at ${ref.trim()}`, file, ref: ref.trim() }, sideInput(doc.uri), { a: gitViewUri(file, ref.trim()), b: doc.uri });
}

/** A dataset file as a side: the document the editor holds when it is open and unsaved, else the file. */
function sideInput(uri: vscode.Uri): DiffInput {
  const label = vscode.workspace.asRelativePath(uri);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  return open?.isDirty ? { label: `${label} (unsaved)`, text: open.getText() } : { label, file: uri.fsPath };
}

/** Where a file's lines open: its read-only view when it is compressed. */
const viewOf = (uri: vscode.Uri) => (isGzFile(uri) ? gzViewUri(uri) : uri);

async function runDiff(ctx: Ctx, a: DiffInput, b: DiffInput, sides: ReportSides): Promise<ReportView | undefined> {
  const n = (x: number) => x.toLocaleString('en-US');
  try {
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Persona Lens: comparing ${a.label} with ${b.label}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        const read = { a: 0, b: 0 };
        const host = await ctx.scanHost();
        return host.diff(a, b, (side, lines) => {
          read[side] = lines;
          progress.report({ message: `A: ${n(read.a)} lines read${side === 'b' ? `, B: ${n(read.b)}` : ''}` });
        }, abort.signal);
      },
    );
    if (!report) return undefined;
    ctx.log.info(`diff ${a.label} -> ${b.label}: ${report.verdict}`);
    const view = new ReportView(report, sides, ctx.log);
    ctx.reports.add(view);
    return view;
  } catch (e) {
    return failed(ctx, e as Error);
  }
}

function failed(ctx: Ctx, e: Error): undefined {
  ctx.log.error(`diff: ${e.message}`);
  void vscode.window.showErrorMessage(`Persona Lens: ${e.message}`);
  return undefined;
}
