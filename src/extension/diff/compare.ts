// Compare Datasets… and Compare with Git…: two datasets scanned and compared in the scan
// host (core/diff), with progress in a cancellable notification, and the report opened in
// its own tab (reportView.ts).

import * as path from 'node:path';
import * as vscode from 'vscode';
import { gitRefs } from '../../core/diff/gitSide';
import type { DiffInput } from '../../worker/protocol';
import { ask, openFile, pick } from '../ask';
import type { Ctx } from '../context';
import { GZ_SCHEME, gzViewUri, isGzFile } from '../gzView';
import { gitViewUri } from './gitView';
import { ReportView, type ReportSides } from './reportView';

/** The open dialog's filters (made when asked: their names are in the display language). */
const datasets = () => ({ [vscode.l10n.t('JSON Lines datasets')]: ['jsonl', 'gz'], [vscode.l10n.t('All files')]: ['*'] });

/**
 * Compares two dataset files: the two selected in the Explorer (`selected`), else the two the
 * user picks, A (the old) first.
 */
export async function compareDatasets(ctx: Ctx, _clicked?: vscode.Uri, selected?: vscode.Uri[]): Promise<ReportView | undefined> {
  const two = selected?.length === 2 ? selected : undefined;
  const a = two?.[0] ?? (await openFile(vscode.l10n.t('Persona Lens: compare datasets — A, the old one'), datasets()));
  if (!a) return undefined;
  const b = two?.[1] ?? (await openFile(vscode.l10n.t('Persona Lens: compare {0} (A) with — B, the new one', path.basename(a.fsPath)), datasets()));
  if (!b) return undefined;
  return runDiff(ctx, { label: vscode.workspace.asRelativePath(a), file: a.fsPath }, sideInput(b), { a: viewOf(a), b: viewOf(b) });
}

/** Compares the active dataset (as the editor has it, saved or not) with its file at a git ref the user picks. */
export async function compareWithGit(ctx: Ctx): Promise<ReportView | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  const file = doc && (doc.uri.scheme === 'file' || doc.uri.scheme === GZ_SCHEME) ? doc.uri.fsPath : null;
  if (!doc || !file) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: open a dataset saved in a git repository to compare it with git.'));
    return undefined;
  }
  const other = `$(edit) ${vscode.l10n.t('Another ref…')}`;
  let refs: string[];
  try {
    refs = gitRefs(file);
  } catch (e) {
    return failed(ctx, e as Error);
  }
  const chosen = await pick([...refs.map((r) => ({ label: r })), { label: other }], { title: vscode.l10n.t('Persona Lens: compare {0} with it at', path.basename(file)) });
  if (!chosen) return undefined;
  const ref =
    chosen.label === other
      ? await ask('HEAD~1', {
          title: vscode.l10n.t('Persona Lens: compare with the file at'),
          prompt: vscode.l10n.t('A branch, tag, commit or any ref git knows'),
          validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('a ref')),
        })
      : chosen.label;
  if (!ref) return undefined;
  // B is the document as the editor has it (sideInput).
  return runDiff(ctx, { label: vscode.l10n.t('{0} at {1}', vscode.workspace.asRelativePath(doc.uri), ref.trim()), file, ref: ref.trim() }, sideInput(doc.uri), { a: gitViewUri(file, ref.trim()), b: doc.uri });
}

/** A dataset file as a side: the document the editor holds when it is open and unsaved, else the file. */
function sideInput(uri: vscode.Uri): DiffInput {
  const label = vscode.workspace.asRelativePath(uri);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  return open?.isDirty ? { label: vscode.l10n.t('{0} (unsaved)', label), text: open.getText() } : { label, file: uri.fsPath };
}

/** Where a file's lines open: its read-only view when it is compressed. */
const viewOf = (uri: vscode.Uri) => (isGzFile(uri) ? gzViewUri(uri) : uri);

async function runDiff(ctx: Ctx, a: DiffInput, b: DiffInput, sides: ReportSides): Promise<ReportView | undefined> {
  const n = (x: number) => x.toLocaleString('en-US');
  try {
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Persona Lens: comparing {0} with {1}', a.label, b.label), cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        const read = { a: 0, b: 0 };
        const host = await ctx.scanHost();
        return host.diff(a, b, (side, lines) => {
          read[side] = lines;
          progress.report({ message: side === 'b' ? vscode.l10n.t('A: {0} lines read, B: {1}', n(read.a), n(read.b)) : vscode.l10n.t('A: {0} lines read', n(read.a)) });
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
  void vscode.window.showErrorMessage(vscode.l10n.t('Persona Lens: {0}', e.message));
  return undefined;
}
