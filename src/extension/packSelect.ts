// "Select Pack…": the built-in pack or a pack the user browses to (a folder, or
// a .tar/.tar.gz of one), written to the user's `personaLens.pack` setting. The
// user (Global) target is the one an untrusted workspace still honours; the
// settings change restarts the scan host (Ctx.settingsChanged).

import * as vscode from 'vscode';
import { builtInPack } from '../core/pack/builtIn';
import { packFacts } from '../core/pack/facts';
import { pick } from './ask';
import type { Ctx } from './context';
import { PACK_SETTING } from './settings';

/**
 * Sets the pack: `target` a path ('' for the built-in pack), else asked for.
 * Resolves once the scan host follows the new setting; answers the path written
 * (null for the built-in pack), or undefined when the user cancelled.
 */
export async function selectPack(ctx: Ctx, target?: string | vscode.Uri): Promise<string | null | undefined> {
  const chosen = target === undefined ? await askForPack(ctx) : typeof target === 'string' ? target.trim() : target.fsPath;
  if (chosen === undefined) return undefined;
  const value = chosen || null;
  const config = vscode.workspace.getConfiguration();
  await config.update(PACK_SETTING, value ?? undefined, vscode.ConfigurationTarget.Global);
  // The change event restarts the scan host too; this makes the restart done by
  // the time the command resolves (a second call finds nothing to do).
  await ctx.settingsChanged(true);
  const inspected = vscode.workspace.getConfiguration().inspect<string>(PACK_SETTING);
  if (vscode.workspace.isTrusted && (inspected?.workspaceValue || inspected?.workspaceFolderValue)) {
    void vscode.window.showWarningMessage(`Persona Lens: the workspace settings name a pack ("${PACK_SETTING}"), which takes precedence over the user setting just written.`);
  }
  return value;
}

async function askForPack(ctx: Ctx): Promise<string | undefined> {
  const builtIn = { label: 'Built-in pack', description: 'the pack that ships with the extension', detail: packFacts(builtInPack(ctx.extension.extensionPath)), pack: '' };
  // The pack the user setting names now, with what it says of itself (an archive says it once loaded).
  const now = ctx.settings.pack;
  const current = now ? [{ label: 'Current pack', description: now, detail: packFacts(now) ?? 'an archive, or a folder that cannot be read here', pack: now }] : [];
  const browse = { label: 'Browse…', description: 'a pack folder, or a .tar / .tar.gz of one', pack: undefined };
  const picked = await pick([...current, builtIn, browse], { title: 'Persona Lens: Select Pack', placeHolder: 'Probe pack to scan with' });
  if (!picked) return undefined;
  if (picked.pack !== undefined) return picked.pack;
  const uris = await vscode.window.showOpenDialog({
    title: 'Persona Lens: select a probe pack (folder or .tar / .tar.gz)',
    openLabel: 'Use Pack',
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    filters: { 'Pack archives': ['tar', 'gz', 'tgz'] },
  });
  const chosen = uris?.[0]?.fsPath;
  // A folder says how good it is before it is used.
  const facts = chosen && packFacts(chosen);
  if (facts) void vscode.window.showInformationMessage(`Persona Lens: scanning with ${facts}.`);
  return chosen;
}
