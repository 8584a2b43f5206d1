// Entry point of the VS Code extension: builds the context and connects it to
// the editor's events. The model never runs here: scans go to the scan host.

import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { GZ_SCHEME, asJsonLines } from './gzView';
import { registerCommands } from './commands';
import { Ctx } from './context';
import { affectsScanHost } from './settings';
import { Scans } from './scan/scans';

export function activate(extension: vscode.ExtensionContext): void {
  // Text built where `vscode` is not imported (riskText.ts, inspectorHtml.ts) uses
  // @vscode/l10n: it gets VS Code's bundle for the display language (none: English).
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  const ctx = new Ctx(extension);
  extension.subscriptions.push(ctx);
  registerCommands(ctx);
  const { scans } = ctx;
  /** Shows a document's results (and decisions) everywhere. */
  const show = (uri: vscode.Uri) => {
    ctx.diagnostics.update(uri);
    ctx.statusBar.update();
    ctx.decorations.update(uri);
    ctx.panel.update(uri);
    ctx.lenses.refresh();
  };
  ctx.push(
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (Scans.wants(doc)) scans.opened(doc);
      // A compressed dataset's view opened by VS Code itself (a Problems entry): in JSON Lines, it is scanned.
      else if (doc.uri.scheme === GZ_SCHEME) void asJsonLines(doc);
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0 && scans.tracks(e.document)) scans.changed(e, ctx.settings.scanDelayMs);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => scans.forget(doc.uri)),
    vscode.window.tabGroups.onDidChangeTabs((e) => e.closed.length > 0 && scans.tabsClosed(e.closed)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('personaLens')) void ctx.settingsChanged(affectsScanHost(e));
    }),
    // Trusted now: the workspace's own pack setting counts from here on.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void ctx.settingsChanged(true)),
    vscode.window.onDidChangeActiveTextEditor(() => {
      ctx.statusBar.update();
      ctx.panel.update();
    }),
    vscode.window.onDidChangeVisibleTextEditors((editors) => {
      ctx.decorations.refresh();
      ctx.lenses.refresh();
      editors.forEach((e) => scans.shown(e));
    }),
    vscode.window.onDidChangeTextEditorSelection(({ textEditor }) => scans.cursorMoved(textEditor)),
    vscode.window.onDidChangeTextEditorVisibleRanges(({ textEditor }) => {
      ctx.decorations.scrolled(textEditor);
      ctx.lenses.scrolled(textEditor);
      scans.shown(textEditor);
    }),
    scans.onDidChange(show),
    // A reviewer's decision changes what shows, as new results do.
    ctx.reviews.onDidChange(show),
    // So does a verdict of the judge (the hover and the panel show it).
    ctx.verdicts.onDidChange(show),
  );
  // Documents opened before activation (the one that activated us, at least).
  for (const doc of vscode.workspace.textDocuments) if (Scans.wants(doc)) void scans.scan(doc);
}
