// The extension's state, owned in one place: the log, the scan host, the
// scanned documents and what shows them. Everything here is disposed with it.

import * as vscode from 'vscode';
import type { ScanHost } from '../worker/client';
import { Decorations } from './editor/decorations';
import { Diagnostics } from './editor/diagnostics';
import { FindingLenses } from './editor/findings';
import { GIT_SCHEME, GitViews } from './diff/gitView';
import { GZ_SCHEME, GzViews } from './gzView';
import { RiskHover, type HoverCommands } from './editor/hover';
import { DatasetPanel, PANEL_VIEW } from './panel/panel';
import { Inspector } from './inspector/inspector';
import { Reports } from './diff/reportView';
import { ReviewActions } from './review/reviewActions';
import { Reviews } from './review/reviews';
import { startScanHost } from './scan/scanHost';
import { Scans } from './scan/scans';
import { Verdicts } from './judge';
import { readSettings, scanHostKey, type Settings } from './settings';
import { StatusBar } from './scan/statusBar';

/** The commands the hover and the quick fixes run (registered in commands.ts). */
const LINKED: HoverCommands = {
  rescan: 'personaLens.scanFile',
  markReviewed: 'personaLens.markReviewed',
  suppress: 'personaLens.suppressRisk',
  reject: 'personaLens.rejectExample',
  clear: 'personaLens.clearReview',
  explain: 'personaLens.explainRisk',
  inspect: 'personaLens.inspectExample',
};
/** Any scheme Scans.wants; the providers answer only for scanned documents. */
const SCANNED: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: GZ_SCHEME }];

export class Ctx implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Persona Lens', { log: true });
  readonly scans: Scans;
  readonly reviews: Reviews;
  readonly verdicts = new Verdicts();
  readonly diagnostics: Diagnostics;
  readonly statusBar: StatusBar;
  readonly decorations: Decorations;
  readonly panel: DatasetPanel;
  readonly lenses: FindingLenses;
  /** The diff reports open in tabs. */
  readonly reports = new Reports();
  readonly inspector: Inspector;
  private settingsNow = readSettings();
  /** Started on first use; a failed start is kept (and not retried) until the settings change. */
  private host: Promise<ScanHost> | null = null;
  /** The settings the host was started with (scanHostKey). */
  private hostKey = '';
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.scans = new Scans(() => this.scanHost(), this.log);
    this.reviews = new Reviews(this.log);
    this.diagnostics = new Diagnostics(this.scans, this.reviews);
    this.statusBar = new StatusBar(this.scans, 'personaLens.showPanel');
    this.decorations = new Decorations(this.scans, this.reviews, () => this.settingsNow.decorationStyle, vscode.Uri.joinPath(extension.extensionUri, 'media'));
    this.panel = new DatasetPanel(this.scans, this.reviews, this.verdicts, extension.extensionUri, this.log, (uri, line) => this.inspector.inspect(uri, line));
    this.lenses = new FindingLenses(this.scans, this.reviews, () => this.settingsNow.findingLenses, LINKED.inspect);
    this.inspector = new Inspector(this.scans, this.reviews, () => this.scanHost(), this.log);
    this.push(
      this.log,
      this.scans,
      this.reviews,
      this.verdicts,
      this.diagnostics,
      this.statusBar,
      this.decorations,
      this.panel,
      this.lenses,
      this.reports,
      this.inspector,
      vscode.languages.registerCodeLensProvider(SCANNED, this.lenses),
      vscode.workspace.registerTextDocumentContentProvider(GZ_SCHEME, new GzViews()),
      vscode.workspace.registerTextDocumentContentProvider(GIT_SCHEME, new GitViews()),
      vscode.window.registerWebviewViewProvider(PANEL_VIEW, this.panel),
      vscode.languages.registerHoverProvider(SCANNED, new RiskHover(this.scans, this.reviews, this.verdicts, LINKED)),
      vscode.languages.registerCodeActionsProvider(SCANNED, new ReviewActions(this.reviews, LINKED), ReviewActions.metadata),
    );
  }

  get settings(): Settings {
    return this.settingsNow;
  }

  push(...disposables: vscode.Disposable[]): void {
    this.disposables.push(...disposables);
  }

  scanHost(): Promise<ScanHost> {
    if (!this.host) {
      this.hostKey = scanHostKey(this.settingsNow);
      this.host = startScanHost(this.extension, this.settingsNow, this.log);
    }
    return this.host;
  }

  /**
   * Re-reads the settings and redraws; when the pack or threads changed from
   * those the scan host runs with, starts a new scan host and rescans.
   */
  async settingsChanged(hostAffected: boolean): Promise<void> {
    this.settingsNow = readSettings();
    this.decorations.refresh();
    this.lenses.refresh();
    if (!hostAffected || !this.host || scanHostKey(this.settingsNow) === this.hostKey) return;
    const old = this.host;
    this.host = null;
    await (await old.catch(() => null))?.dispose();
    this.scans.rescanAll();
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) d.dispose();
    void this.host?.then((h) => h.dispose(), () => undefined);
  }
}
