// Starts the scan host (worker thread) with the pack the settings name, or the
// built-in one.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { defaultCacheRoot } from '../../core/cache/cacheRoot';
import { builtInPack } from '../../core/pack/builtIn';
import { ScanHost } from '../../worker/client';
import type { Settings } from '../settings';

export async function startScanHost(extension: vscode.ExtensionContext, settings: Settings, log: vscode.LogOutputChannel): Promise<ScanHost> {
  const packPath = settings.pack || builtInPack(extension.extensionPath);
  const workerFile = path.join(extension.extensionPath, 'dist', 'worker.js');
  try {
    // The CLI's result cache: a file scanned in a terminal or CI opens with its results.
    const cacheDir = settings.resultCache ? defaultCacheRoot() : null;
    const host = await ScanHost.start(workerFile, packPath, settings.threads, cacheDir, settings.device);
    log.info(`pack ${host.pack.name} ${host.pack.version} loaded from ${packPath} (${settings.threads} thread(s), ${settings.device}); result cache ${cacheDir ?? 'off'}`);
    if (host.cacheProblem) log.warn(host.cacheProblem);
    if (host.deviceProblem) {
      log.warn(host.deviceProblem);
      void vscode.window.showWarningMessage(vscode.l10n.t('Persona Lens: {0}.', host.deviceProblem));
    }
    return host;
  } catch (e) {
    log.error(`cannot load pack ${packPath}: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Persona Lens: cannot load pack {0}: {1}', packPath, (e as Error).message));
    throw e;
  }
}
