// The panel's top: the file, its dataset risk and counts per level, and a
// histogram of example risk by decile.

import * as l10n from '@vscode/l10n';
import { LEVELS, type PanelDataset } from '../src/extension/panel/panelProtocol';
import { el } from './dom';
import { levelText } from './l10n';

export class SummaryView {
  readonly element = el('section', 'summary');
  private readonly heading = el('h2', 'heading');
  private readonly facts = el('div', 'facts');
  private readonly histogram = el('div', 'histogram');
  /** What the histogram's axes mean: risk from 0 to 1 along, examples up (the tallest bar's count). */
  private readonly axis = el('div', 'axis');

  constructor() {
    this.histogram.setAttribute('role', 'img');
    this.element.append(this.heading, this.facts, this.histogram, this.axis);
  }

  get axisText(): string {
    return this.axis.textContent ?? '';
  }

  get headingText(): string {
    return this.heading.textContent ?? '';
  }

  get factsText(): string {
    return this.facts.textContent ?? '';
  }

  get bars(): number {
    return this.histogram.querySelectorAll('.bar').length;
  }

  show(dataset: PanelDataset | null): void {
    this.heading.textContent = dataset
      ? dataset.scanning
        ? l10n.t('{0} (scanning…)', dataset.file)
        : dataset.file
      : l10n.t('Open a JSON Lines file (.jsonl, or .jsonl.gz with Scan File) to see its examples, or try one: Persona Lens: Open a Sample Dataset.');
    this.facts.replaceChildren();
    this.histogram.replaceChildren();
    this.axis.replaceChildren();
    const e = dataset?.estimate;
    // While a long scan runs: the estimate, said to be one (the counts below are the last finished scan's).
    if (e) {
      const text = l10n.t('Dataset risk ≈{0} (95%: {1}–{2}, estimated from {3} random examples and the lines scanned)', e.risk.toFixed(2), e.low.toFixed(2), e.high.toFixed(2), e.sampled);
      this.facts.append(el('span', 'risk estimate', text));
    }
    const s = dataset?.summary;
    if (!s) return;
    this.facts.append(el('span', 'risk', s.datasetRisk === null ? l10n.t('No examples') : l10n.t('Dataset risk {0}', s.datasetRisk.toFixed(2))));
    for (const level of [...LEVELS].reverse()) this.facts.append(el('span', `count level-${level}`, l10n.t('{0} {1}', s.counts[level], levelText(level))));
    if (s.invalid > 0) this.facts.append(el('span', 'count', l10n.t('{0} invalid', s.invalid)));
    const j = dataset.judge;
    if (j) {
      const auroc = j.auroc === null ? '' : l10n.t(', AUROC {0} against the pack', j.auroc.toFixed(2));
      const lines = j.disagreements.join(', ');
      const disagree = j.disagreements.length === 0 ? '' : j.disagreements.length === 1 ? l10n.t('; disagrees on line {0}', lines) : l10n.t('; disagrees on lines {0}', lines);
      this.facts.append(el('span', 'judge', l10n.t('Judge: {0} judged, {1} misaligned{2}{3}', j.judged, j.misaligned, auroc, disagree)));
    }
    this.drawHistogram(s.histogram);
  }

  private drawHistogram(histogram: number[]): void {
    const most = Math.max(1, ...histogram);
    this.histogram.setAttribute('aria-label', l10n.t('Examples per risk decile: {0}', histogram.join(', ')));
    this.axis.append(el('span', 'tick', l10n.t('risk 0')), el('span', 'label', l10n.t('bar height: examples (tallest {0})', most)), el('span', 'tick', '1'));
    histogram.forEach((count, i) => {
      const column = el('div', 'column');
      column.title = l10n.t('risk {0}–{1}: {2} example(s)', (i / 10).toFixed(1), ((i + 1) / 10).toFixed(1), count);
      const bar = el('div', `bar decile-${i}`);
      // CSSOM, not a style attribute: allowed under the page's CSP.
      bar.style.height = `${(100 * count) / most}%`;
      column.append(bar);
      this.histogram.append(column);
    });
  }
}
