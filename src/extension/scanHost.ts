// Starts the scan host (worker thread) with the pack the settings name, or the
// built-in one.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { builtInPack } from '../core/pack/builtIn';
import { ScanHost } from '../worker/client';
import type { Settings } from './settings';

export async function startScanHost(extension: vscode.ExtensionContext, settings: Settings, log: vscode.LogOutputChannel): Promise<ScanHost> {
  const packPath = settings.pack || builtInPack(extension.extensionPath);
  const workerFile = path.join(extension.extensionPath, 'dist', 'worker.js');
  try {
    const host = await ScanHost.start(workerFile, packPath, settings.threads);
    log.info(`pack ${host.pack.name} ${host.pack.version} loaded from ${packPath} (${settings.threads} thread(s))`);
    return host;
  } catch (e) {
    const message = `cannot load pack ${packPath}: ${(e as Error).message}`;
    log.error(message);
    void vscode.window.showErrorMessage(`Persona Lens: ${message}`);
    throw e;
  }
}
