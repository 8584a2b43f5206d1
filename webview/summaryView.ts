// The panel's top: the file, its dataset risk and counts per level, and a
// histogram of example risk by decile.

import { LEVELS, type PanelDataset } from '../src/extension/panelProtocol';
import { el } from './dom';

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
    this.heading.textContent = dataset ? dataset.file + (dataset.scanning ? ' (scanning…)' : '') : 'Open a JSON Lines file (.jsonl, or .jsonl.gz with Scan File) to see its examples, or try one: Persona Lens: Open a Sample Dataset.';
    this.facts.replaceChildren();
    this.histogram.replaceChildren();
    this.axis.replaceChildren();
    const e = dataset?.estimate;
    // While a long scan runs: the estimate, said to be one (the counts below are the last finished scan's).
    if (e) this.facts.append(el('span', 'risk estimate', `Dataset risk ≈${e.risk.toFixed(2)} (95%: ${e.low.toFixed(2)}–${e.high.toFixed(2)}, estimated from ${e.sampled} random examples and the lines scanned)`));
    const s = dataset?.summary;
    if (!s) return;
    this.facts.append(el('span', 'risk', s.datasetRisk === null ? 'No examples' : `Dataset risk ${s.datasetRisk.toFixed(2)}`));
    for (const level of [...LEVELS].reverse()) this.facts.append(el('span', `count level-${level}`, `${s.counts[level]} ${level}`));
    if (s.invalid > 0) this.facts.append(el('span', 'count', `${s.invalid} invalid`));
    const j = dataset.judge;
    if (j) {
      const auroc = j.auroc === null ? '' : `, AUROC ${j.auroc.toFixed(2)} against the pack`;
      const disagree = j.disagreements.length > 0 ? `; disagrees on line${j.disagreements.length === 1 ? '' : 's'} ${j.disagreements.join(', ')}` : '';
      this.facts.append(el('span', 'judge', `Judge: ${j.judged} judged, ${j.misaligned} misaligned${auroc}${disagree}`));
    }
    this.drawHistogram(s.histogram);
  }

  private drawHistogram(histogram: number[]): void {
    const most = Math.max(1, ...histogram);
    this.histogram.setAttribute('aria-label', 'Examples per risk decile: ' + histogram.join(', '));
    this.axis.append(el('span', 'tick', 'risk 0'), el('span', 'label', `bar height: examples (tallest ${most})`), el('span', 'tick', '1'));
    histogram.forEach((count, i) => {
      const column = el('div', 'column');
      column.title = `risk ${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}: ${count} example(s)`;
      const bar = el('div', `bar decile-${i}`);
      // CSSOM, not a style attribute: allowed under the page's CSP.
      bar.style.height = `${(100 * count) / most}%`;
      column.append(bar);
      this.histogram.append(column);
    });
  }
}
