// "Select Pack…": the built-in pack, a pack installed in the pack store (Fetch Pack's,
// listed from their pack.json alone), or a pack the user browses to (a folder, or a
// .tar/.tar.gz of one), written to the user's `personaLens.pack` setting. The
// user (Global) target is the one an untrusted workspace still honours; the
// settings change restarts the scan host (Ctx.settingsChanged).

import * as path from 'node:path';
import * as vscode from 'vscode';
import { builtInPack } from '../../core/pack/builtIn';
import { packFacts } from '../../core/pack/facts';
import { defaultPackStore } from '../../core/pack/fetch/store';
import { listStore } from '../../core/pack/fetch/storeList';
import { pick } from '../ask';
import type { Ctx } from '../context';
import { PACK_SETTING } from '../settings';

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
    void vscode.window.showWarningMessage(vscode.l10n.t('Persona Lens: the workspace settings name a pack ("{0}"), which takes precedence over the user setting just written.', PACK_SETTING));
  }
  return value;
}

async function askForPack(ctx: Ctx): Promise<string | undefined> {
  const builtIn = { label: vscode.l10n.t('Built-in pack'), description: vscode.l10n.t('the pack that ships with the extension'), detail: packFacts(builtInPack(ctx.extension.extensionPath)), pack: '' };
  // The pack the user setting names now, with what it says of itself (an archive says it once loaded).
  const now = ctx.settings.pack;
  const current = now
    ? [{ label: vscode.l10n.t('Current pack'), description: now, detail: packFacts(now) ?? vscode.l10n.t('an archive, or a folder that cannot be read here'), pack: now }]
    : [];
  const browse = { label: vscode.l10n.t('Browse…'), description: vscode.l10n.t('a pack folder, or a .tar / .tar.gz of one'), pack: undefined };
  const picked = await pick<PackItem>([...current, builtIn, browse, ...(await storeItems(now))], { title: vscode.l10n.t('Persona Lens: Select Pack'), placeHolder: vscode.l10n.t('Probe pack to scan with') });
  if (!picked) return undefined;
  if (picked.problem) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Persona Lens: {0} cannot be used: {1}', picked.pack!, picked.problem));
    return undefined;
  }
  if (picked.pack !== undefined) return picked.pack;
  const uris = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Persona Lens: select a probe pack (folder or .tar / .tar.gz)'),
    openLabel: vscode.l10n.t('Use Pack'),
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    filters: { [vscode.l10n.t('Pack archives')]: ['tar', 'gz', 'tgz'] },
  });
  const chosen = uris?.[0]?.fsPath;
  // A folder says how good it is before it is used.
  const facts = chosen && packFacts(chosen);
  if (facts) void vscode.window.showInformationMessage(vscode.l10n.t('Persona Lens: scanning with {0}.', facts));
  return chosen;
}

/** An item of the pick: the pack it writes (undefined: browse), and why it cannot be used. */
interface PackItem extends vscode.QuickPickItem {
  pack: string | undefined;
  problem?: string;
}

/** The packs in the pack store under a separator, the one the setting names marked; none when the store is empty or absent. */
async function storeItems(current: string | null): Promise<PackItem[]> {
  const packs = await listStore(defaultPackStore());
  if (packs.length === 0) return [];
  const isCurrent = (dir: string) => current !== null && path.resolve(current) === path.resolve(dir);
  return [
    { label: vscode.l10n.t('Pack store'), kind: vscode.QuickPickItemKind.Separator, pack: undefined },
    ...packs.map((p): PackItem =>
      p.manifest
        ? {
            label: `${p.manifest.name} ${p.manifest.version}`,
            description: isCurrent(p.path) ? vscode.l10n.t('(current) {0}', p.manifest.description) : p.manifest.description,
            detail: p.path,
            pack: p.path,
          }
        : { label: p.folder, description: vscode.l10n.t('cannot be read: {0}', p.problem ?? ''), detail: p.path, pack: p.path, problem: p.problem },
    ),
  ];
}
