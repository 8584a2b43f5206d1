// The examples table: sortable headers and a virtualised body. The scroller
// holds a spacer as tall as all rows; only the rows in view (and a few either
// side) exist in the DOM, reused as it scrolls, so 100k rows cost a screenful.

import * as l10n from '@vscode/l10n';
import { LEVELS, NO_ROWS, REVIEWS, type Rows, type SortKey, type TableView } from '../src/extension/panel/panelProtocol';
import { el } from './dom';
import { levelText, reviewText } from './l10n';
import { rowWindow, scrollToRow } from './virtualWindow';

export const ROW_HEIGHT = 22;

const COLUMNS: SortKey[] = ['line', 'risk', 'level', 'snippet', 'format', 'review', 'judge'];

/** The columns' headers (made with the table, once the page's bundle is in place). */
const columnTitles = (): Record<SortKey, string> => ({
  line: l10n.t('Line'),
  risk: l10n.t('Risk'),
  level: l10n.t('Level'),
  snippet: l10n.t('Snippet'),
  format: l10n.t('Format'),
  review: l10n.t('Review'),
  judge: l10n.t('Judge'),
});

export interface TableEvents {
  sort(key: SortKey): void;
  /** A click on the row at this position of the order. */
  click(position: number, mods: { shift: boolean; ctrl: boolean }): void;
  /** A double click on the row at this position of the order. */
  open(position: number): void;
  /** A key pressed while the table has the focus. */
  key(e: KeyboardEvent): void;
}

export class ExamplesTable {
  readonly element = el('div', 'table');
  private readonly header = el('div', 'row header');
  private readonly scroller = el('div', 'scroller');
  private readonly spacer = el('div', 'spacer');
  readonly body = el('div', 'body');
  private rows: Rows = NO_ROWS;
  private order: number[] = [];
  private selected: ReadonlySet<number> = new Set();
  private start = 0;

  constructor(events: TableEvents) {
    this.element.setAttribute('role', 'grid');
    this.element.style.setProperty('--row-height', `${ROW_HEIGHT}px`);
    const titles = columnTitles();
    for (const key of COLUMNS) {
      const cell = el('div', `cell col-${key}`, titles[key]);
      cell.setAttribute('role', 'columnheader');
      cell.dataset.key = key;
      cell.addEventListener('click', () => events.sort(key));
      this.header.append(cell);
    }
    this.scroller.tabIndex = 0;
    this.scroller.addEventListener('keydown', (e) => events.key(e));
    this.spacer.append(this.body);
    this.scroller.append(this.spacer);
    this.element.append(this.header, this.scroller);
    this.scroller.addEventListener('scroll', () => this.render());
    new ResizeObserver(() => this.render()).observe(this.scroller);
    this.body.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
      if (row?.dataset.pos) events.click(Number(row.dataset.pos), { shift: e.shiftKey, ctrl: e.ctrlKey || e.metaKey });
    });
    this.body.addEventListener('dblclick', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
      if (row?.dataset.pos) events.open(Number(row.dataset.pos));
    });
  }

  /** Back to the first row (a new filter shows other rows). */
  scrollToTop(): void {
    this.scroller.scrollTop = 0;
  }

  show(rows: Rows, order: number[], view: TableView, selected: ReadonlySet<number>): void {
    this.rows = rows;
    // The judge's column only once the LLM judge graded an example of this file.
    this.element.classList.toggle('unjudged', !rows.judge.some((a) => a >= 0));
    this.order = order;
    this.selected = selected;
    for (const cell of this.header.children as HTMLCollectionOf<HTMLElement>) {
      const sorted = cell.dataset.key === view.sort;
      cell.classList.toggle('sorted', sorted);
      cell.setAttribute('aria-sort', sorted ? (view.descending ? 'descending' : 'ascending') : 'none');
    }
    this.spacer.style.height = `${order.length * ROW_HEIGHT}px`;
    this.render();
  }

  /** Rows that fit in the scroller: what Page Up and Page Down move by. */
  get pageRows(): number {
    return Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1);
  }

  focus(): void {
    this.scroller.focus();
  }

  /** Scrolls the row at this position of the order into view and renders at once. */
  reveal(position: number): HTMLElement | undefined {
    const top = scrollToRow(position, this.scroller.scrollTop, this.scroller.clientHeight, ROW_HEIGHT);
    if (top !== null) this.scroller.scrollTop = top;
    this.render();
    return this.body.children[position - this.start] as HTMLElement | undefined;
  }

  /** The rendered rows from the first one in view. */
  visibleRows(): HTMLElement[] {
    const first = Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - this.start;
    return ([...this.body.children] as HTMLElement[]).slice(Math.max(0, first));
  }

  private render(): void {
    const { start, end } = rowWindow(this.scroller.scrollTop, this.scroller.clientHeight, ROW_HEIGHT, this.order.length);
    this.start = start;
    this.body.style.transform = `translateY(${start * ROW_HEIGHT}px)`;
    const count = end - start;
    while (this.body.children.length > count) this.body.lastElementChild!.remove();
    while (this.body.children.length < count) this.body.append(newRow());
    for (let pos = start; pos < end; pos++) this.fill(this.body.children[pos - start] as HTMLElement, pos);
  }

  private fill(row: HTMLElement, pos: number): void {
    const { rows } = this;
    const i = this.order[pos];
    const cells = row.children;
    const level = LEVELS[rows.level[i]];
    row.dataset.pos = String(pos);
    row.className = `row level-${level}` + (this.selected.has(rows.line[i]) ? ' selected' : '');
    row.setAttribute('aria-selected', String(this.selected.has(rows.line[i])));
    cells[0].textContent = String(rows.line[i]);
    cells[1].textContent = rows.risk[i].toFixed(3);
    cells[2].textContent = levelText(level);
    cells[3].textContent = rows.snippet[i];
    cells[4].textContent = rows.format[i] || '–';
    cells[5].textContent = reviewText(REVIEWS[rows.review[i]]);
    cells[6].textContent = rows.judge[i] >= 0 ? String(rows.judge[i]) : '';
    (cells[3] as HTMLElement).title = l10n.t('Top tokens: {0}', rows.tokens[i]);
  }
}

function newRow(): HTMLElement {
  const row = el('div', 'row');
  row.setAttribute('role', 'row');
  for (const key of COLUMNS) {
    const cell = el('div', `cell col-${key}`);
    cell.setAttribute('role', 'gridcell');
    row.append(cell);
  }
  return row;
}
