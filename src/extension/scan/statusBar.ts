// The status bar item: for the active scanned document, the flagged examples
// (elevated or high risk) out of all examples, and the dataset's risk.

import * as vscode from 'vscode';
import type { RiskEstimate } from '../../core/score/estimate';
import { scanProgress } from '../editor/riskText';
import type { DocumentScan, Scans } from './scans';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('personaLens.status', vscode.StatusBarAlignment.Right, 100);
  /** The item's text while shown, else null (the API cannot tell whether an item is visible). */
  private shown: string | null = null;

  constructor(
    private readonly scans: Scans,
    command: string,
  ) {
    this.item.name = 'Persona Lens';
    this.item.command = command;
  }

  /** What the item shows now: its text, or null when hidden. For the tests. */
  get text(): string | null {
    return this.shown;
  }

  /** The item's tooltip while shown. For the tests. */
  get tooltip(): string | null {
    return this.shown === null ? null : (this.item.tooltip as string);
  }

  update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const scan = doc && this.scans.get(doc.uri);
    if (!scan) {
      this.item.hide();
      this.shown = null;
      return;
    }
    this.item.text = scan.scanning
      ? `$(sync~spin) Persona Lens ${scanProgress(scan.stats.lines, scan.stats.total, Date.now() - scan.stats.startedAt)}${scan.estimate ? vscode.l10n.t(' · risk ≈{0}', estimateText(scan.estimate)) : ''}`
      : `$(shield) ${describe(scan)}`;
    this.item.tooltip = tooltip(scan);
    this.item.show();
    this.shown = this.item.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}

function describe(scan: DocumentScan): string {
  const s = scan.summary;
  if (!s) return 'Persona Lens';
  if (s.datasetRisk === null) return vscode.l10n.t('no examples');
  return vscode.l10n.t('{0}/{1} flagged · risk {2}', s.counts.elevated + s.counts.high, s.examples, s.datasetRisk.toFixed(2));
}

/** `0.31 (0.27-0.35)`: the estimate and its 95% interval. */
function estimateText(e: RiskEstimate): string {
  return `${e.risk.toFixed(2)} (${e.low.toFixed(2)}–${e.high.toFixed(2)})`;
}

function tooltip(scan: DocumentScan): string {
  const e = scan.scanning ? scan.estimate : null;
  if (e) {
    return vscode.l10n.t(
      'Persona Lens: scanning. Dataset risk (mean example risk) estimated at {0}, 95% interval {1} to {2}: exact over the lines scanned in order, and from {3} randomly sampled examples for the rest. It narrows as the scan goes on.',
      e.risk.toFixed(3),
      e.low.toFixed(3),
      e.high.toFixed(3),
      e.sampled,
    );
  }
  const s = scan.summary;
  if (!s) return vscode.l10n.t('Persona Lens: scanning…');
  const pack = scan.pack
    ? scan.pack.prior !== null
      ? vscode.l10n.t('Pack: {0} {1} (risk at a prior of {2}% EM-inducing examples).', scan.pack.name, scan.pack.version, +(scan.pack.prior * 100).toFixed(2))
      : vscode.l10n.t('Pack: {0} {1}.', scan.pack.name, scan.pack.version)
    : null;
  return [
    vscode.l10n.t(
      'Persona Lens: {0} high, {1} elevated and {2} low-risk examples of {3}; {4} invalid line(s).',
      s.counts.high,
      s.counts.elevated,
      s.counts.low,
      s.examples,
      s.invalid,
    ),
    vscode.l10n.t('Dataset risk (mean example risk): {0}.', s.datasetRisk?.toFixed(3) ?? '–'),
    ...(pack ? [pack] : []),
    vscode.l10n.t('Click to open the Persona Lens panel.'),
  ].join('\n');
}
