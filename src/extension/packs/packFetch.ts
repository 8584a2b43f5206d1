// "Fetch Pack…": a pack downloaded into the user's pack store (core/pack/fetch, the
// CLI's `pack fetch`), only after the user named the source and confirmed, in a modal
// dialog, the host it comes from; never in an untrusted workspace. The download runs in
// the extension host: it is network and disk I/O, streamed and hashed a chunk at a time,
// so the thread never waits on it (the scan host is the model's, and restarts when the
// pack changes). Then it offers to scan with the pack (Select Pack's user setting).
// A Hugging Face token is found as the CLI finds it, in the extension host's environment
// (HF_TOKEN) or the file `hf auth login` wrote, and the dialog says where it will go.

import * as vscode from 'vscode';
import { fetchPack, type FetchedPack } from '../../core/pack/fetch/fetchPack';
import { FetchError } from '../../core/pack/fetch/http';
import { formatBytes, progressText, type FetchProgress } from '../../core/pack/fetch/progress';
import { hubAuthFor, type HubAuth } from '../../core/pack/fetch/hubAuth';
import { SOURCE_FORMS, hubEndpoint, insecure, parsePackSource, sourceHost, type PackSource } from '../../core/pack/fetch/source';
import { defaultPackStore } from '../../core/pack/fetch/store';
import { ask, confirm, offer } from '../ask';
import type { Ctx } from '../context';
import { selectPack } from './packSelect';

/** How often the notification is updated: each update is a message to the window. */
const REPORT_EVERY_MS = 200;

/** Persona Lens: Fetch Pack… Answers the installed pack's folder, or undefined. `store`: the tests' own store. */
export async function fetchPackCommand(ctx: Ctx, store: string = defaultPackStore()): Promise<string | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Persona Lens: fetching a pack is off in an untrusted workspace; nothing was downloaded. Trust the workspace first.'));
    return undefined;
  }
  // As the CLI reads it: a mirror or a local server in place of huggingface.co.
  const endpoint = hubEndpoint(null, process.env);
  const sourceOf = (text: string): PackSource | string => {
    try {
      return parsePackSource(text, endpoint);
    } catch (e) {
      return (e as Error).message;
    }
  };
  const text = await ask('', {
    title: vscode.l10n.t('Persona Lens: Fetch Pack'),
    prompt: vscode.l10n.t('Where to download the pack from: {0}', SOURCE_FORMS),
    placeHolder: vscode.l10n.t('hf:ORG/NAME@REV, or https://…/pack/'),
    validateInput: (v) => (v.trim() === '' || typeof sourceOf(v) !== 'string' ? undefined : (sourceOf(v) as string)),
  });
  if (!text?.trim()) return undefined;
  const source = sourceOf(text);
  if (typeof source === 'string') {
    void vscode.window.showErrorMessage(vscode.l10n.t('Persona Lens: {0}', source));
    return undefined;
  }
  let auth: HubAuth | undefined;
  try {
    auth = hubAuthFor(source, endpoint);
  } catch (e) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Persona Lens: cannot fetch {0}: {1}', source.label, (e as Error).message));
    return undefined;
  }
  const asked = await confirm(
    vscode.l10n.t('Download a probe pack from {0}?', sourceHost(source)),
    [
      vscode.l10n.t('From {0}: pack.json and every file it lists, into {1}, each checked against the sha256 pack.json gives.', source.label, store),
      auth?.token
        ? vscode.l10n.t('Your Hugging Face token (from {0}) goes with the requests to {1}, and to no other host.', auth.token.from, sourceHost(source))
        : vscode.l10n.t('Nothing else is sent.'),
      ...(insecure(source) ? [vscode.l10n.t('This is plain http: anyone on the way could change the pack.')] : []),
      vscode.l10n.t("A pack's model runs on this machine when you scan with it: fetch packs from publishers you trust."),
    ].join('\n'),
    vscode.l10n.t('Download'),
  );
  if (!asked) return undefined;

  let got: FetchedPack;
  try {
    got = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Persona Lens: fetching {0}', source.label), cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return fetchPack(source, { store, signal: abort.signal, userAgent: `persona-lens-vscode/${ctx.extension.extension.packageJSON.version}`, auth, onProgress: reporter(progress) });
      },
    );
  } catch (e) {
    if (e instanceof FetchError && e.cancelled) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: the download was cancelled and nothing was installed; what came is kept, so fetching the same source again resumes it.'));
      return undefined;
    }
    ctx.log.error(`fetch pack ${source.label}: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Persona Lens: cannot fetch {0}: {1}', source.label, (e as Error).message));
    return undefined;
  }
  const pack = `${got.manifest.name} ${got.manifest.version}`;
  ctx.log.info(`fetch pack ${source.label}: ${got.alreadyInstalled ? 'installed already' : `installed (${formatBytes(got.received)} received)`} at ${got.path}`);
  const installed = got.alreadyInstalled
    ? vscode.l10n.t('Persona Lens: {0} is installed already ({1}).', pack, got.path)
    : vscode.l10n.t('Persona Lens: {0} is installed ({1}).', pack, got.path);
  if (await offer(installed, vscode.l10n.t('Scan with It'))) {
    await selectPack(ctx, got.path);
  }
  return got.path;
}

/** Progress to the notification: what FetchProgress says, and the bar by files done and the current file's share. */
function reporter(progress: vscode.Progress<{ message?: string; increment?: number }>): (p: FetchProgress) => void {
  let shown = 0;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < REPORT_EVERY_MS && p.done !== p.total) return;
    last = now;
    const percent = (100 * (p.index - 1 + (p.total ? p.done / p.total : 0))) / p.count;
    progress.report({ message: progressText(p), increment: Math.max(0, percent - shown) });
    shown = Math.max(shown, percent);
  };
}
