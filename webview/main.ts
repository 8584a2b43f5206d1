// The panel's script: shows the dataset the extension sends, keeps the
// table's order, filter and selection, and posts back what the user asks for
// (reveal a line; copy, export or decide on the selected lines). It knows the
// extension only through panelProtocol.ts. Its text is translated with the bundle
// the extension embeds in the page (l10n.ts, imported first).

import { levelText } from './l10n';
import * as l10n from '@vscode/l10n';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { LEVELS, NO_ROWS, type Decision, type FromWebview, type PanelDataset, type RenderedState, type Rows, type TableView, type TestAction, type ToWebview } from '../src/extension/panel/panelProtocol';
import { el } from './dom';
import { ExamplesTable } from './examplesTable';
import { keyAction } from './keys';
import { applyRowsDelta } from './rowsDelta';
import { clickRow, NO_SELECTION, selectedLines, type Selection } from './selection';
import { SummaryView } from './summaryView';
import { DEFAULT_VIEW, tableOrder, type TextHits } from './table';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): { view?: TableView } | undefined;
  setState(state: { view: TableView }): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: FromWebview) => vscode.postMessage(m);

let dataset: PanelDataset | null = null;
let rows: Rows = NO_ROWS;
let view: TableView = { ...DEFAULT_VIEW, ...vscode.getState()?.view };
let order: number[] = [];
let selection: Selection = NO_SELECTION;
/** The line of the row the keyboard is on (the last clicked or moved to). */
let cursor: number | null = null;

const summary = new SummaryView();
const table = new ExamplesTable({
  sort: (key) => setView({ sort: key, descending: key === view.sort ? !view.descending : key === 'risk' || key === 'level' || key === 'review' }),
  click: (position, mods) => {
    select(position, mods);
    if (!mods.shift && !mods.ctrl) post({ type: 'reveal', line: rows.line[order[position]] });
  },
  // A double click opens the example in the inspector.
  open: (position) => post({ type: 'inspect', line: rows.line[order[position]] }),
  key: (e) => {
    const shownLines = order.map((i) => rows.line[i]);
    const action = keyAction(e.key, { shift: e.shiftKey, ctrl: e.ctrlKey || e.metaKey }, cursor === null ? -1 : shownLines.indexOf(cursor), order.length, table.pageRows);
    if (!action) return;
    e.preventDefault();
    if ('move' in action) select(action.move, { shift: action.shift }, shownLines);
    else if ('toggle' in action) select(action.toggle, { ctrl: true }, shownLines);
    else if ('open' in action) post({ type: 'reveal', line: shownLines[action.open], focus: true });
    else {
      selection = { lines: new Set(shownLines), anchor: selection.anchor };
      render();
    }
  },
});

/** Selects as a click on the row at `position` would, moves the cursor there and keeps it in view. */
function select(position: number, mods: { shift?: boolean; ctrl?: boolean }, shownLines = order.map((i) => rows.line[i])): void {
  selection = clickRow(selection, shownLines, position, mods);
  cursor = rows.line[order[position]];
  render();
  table.reveal(position);
}

const filter = el('vscode-textfield', 'filter') as VscodeTextfield;
filter.placeholder = l10n.t('Filter: text, tokens, format, line');
filter.value = view.text;
filter.addEventListener('input', () => {
  setView({ text: filter.value });
  // Other rows: start from the top, where the best of them are.
  table.scrollToTop();
  search();
});

/** Whole-text matches of the filter, from the extension (which holds the document). */
let hits: TextHits | undefined;
let searchId = 0;
let searchTimer: ReturnType<typeof setTimeout> | undefined;
/** Asks the extension for the examples whose whole text holds the filter, a moment after typing stops. */
function search(): void {
  clearTimeout(searchTimer);
  const text = view.text.trim().toLowerCase();
  if (!text) return;
  searchTimer = setTimeout(() => post({ type: 'search', id: ++searchId, text }), 150);
}
const levelBoxes = LEVELS.map((level, i) => {
  const box = el('vscode-checkbox') as VscodeCheckbox;
  box.label = levelText(level);
  box.checked = view.levels[i];
  box.addEventListener('change', () => setView({ levels: levelBoxes.map((b) => b.checked) as TableView['levels'] }));
  return box;
});
const count = el('span', 'count');
// Short labels, so the buttons fit a 300 px side bar in two rows; the tooltips say it all.
const copy = button(l10n.t('Copy lines'), l10n.t('Copy the selected line numbers'), () => post({ type: 'copyLines', lines: selectedLines(selection) }));
const exportButton = button(l10n.t('Export…'), l10n.t('Export the selected examples to a new file beside the dataset'), () =>
  post({ type: 'exportLines', lines: selectedLines(selection) }),
);
const decide = (decision: Decision | null) => () => post({ type: 'decideLines', lines: selectedLines(selection), decision });
const decisionButtons = {
  reviewed: button(l10n.t('Reviewed'), l10n.t('Mark the selected examples reviewed'), decide('reviewed')),
  suppressed: button(l10n.t('Suppress'), l10n.t('Suppress their risk (no finding, no decoration)'), decide('suppressed')),
  rejected: button(l10n.t('Reject'), l10n.t('Reject them: left out of clean exports'), decide('rejected')),
  clear: button(l10n.t('Clear'), l10n.t('Clear their review decision'), decide(null)),
};
for (const b of [exportButton, ...Object.values(decisionButtons)]) b.secondary = true;

const toolbar = el('div', 'toolbar');
toolbar.append(filter, ...[...levelBoxes].reverse());
const actions = el('div', 'actions');
actions.append(count, copy, exportButton, ...Object.values(decisionButtons));
document.body.append(summary.element, toolbar, actions, table.element);

function button(label: string, tooltip: string, run: () => void): VscodeButton {
  const b = el('vscode-button') as VscodeButton;
  b.textContent = label;
  b.title = tooltip;
  b.addEventListener('click', () => {
    if (selection.lines.size > 0) run();
  });
  return b;
}

function setView(change: Partial<TableView>): void {
  view = { ...view, ...change };
  vscode.setState({ view });
  reorder();
}

function reorder(): void {
  order = tableOrder(rows, view, hits);
  render();
}

function render(): void {
  table.show(rows, order, view, selection.lines);
  const n = selection.lines.size;
  count.textContent = n > 0 ? l10n.t('{0} of {1} examples · {2} selected', order.length, rows.line.length, n) : l10n.t('{0} of {1} examples', order.length, rows.line.length);
  for (const b of [copy, exportButton, ...Object.values(decisionButtons)]) b.disabled = n === 0;
}

function showDataset(next: PanelDataset | null): void {
  dataset = next;
  rows = next?.rows ?? NO_ROWS;
  // Streamed rows come in any order: the widest line number is the largest.
  document.documentElement.style.setProperty('--line-digits', String(String(rows.line.reduce((a, b) => Math.max(a, b), 1)).length));
  // Keep the selected lines that still are examples.
  const present = new Set(rows.line);
  selection = { lines: new Set([...selection.lines].filter((l) => present.has(l))), anchor: selection.anchor !== null && present.has(selection.anchor) ? selection.anchor : null };
  summary.show(dataset);
  reorder();
  // The document may have changed: search it again once its scan is done, not on every streamed update.
  if (!next?.scanning) search();
}

/** Test mode: what a test asked for, done as the user would (through the DOM where there is one). */
function act(action: TestAction): void {
  if ('view' in action) {
    setView(action.view);
    if (action.view.text !== undefined) search();
  }
  else if ('click' in action) {
    table.reveal(action.click)?.dispatchEvent(new MouseEvent('click', { bubbles: true, shiftKey: action.shift, ctrlKey: action.ctrl }));
  } else if ('key' in action) {
    table.focus();
    document.activeElement?.dispatchEvent(new KeyboardEvent('keydown', { key: action.key, shiftKey: action.shift, ctrlKey: action.ctrl, bubbles: true, cancelable: true }));
  } else ({ copy, export: exportButton, ...decisionButtons })[action.button].click();
}

function state(): RenderedState {
  return {
    heading: summary.headingText,
    summary: summary.factsText,
    bars: summary.bars,
    axis: summary.axisText,
    rowCount: order.length,
    total: rows.line.length,
    rendered: table.body.children.length,
    firstRows: table.visibleRows().slice(0, 10).map((r) => ({ line: Number(r.children[0].textContent), cells: [...r.children].map((c) => c.textContent ?? '') })),
    selected: selectedLines(selection),
    view,
    injected: { img: table.element.querySelectorAll('img').length, script: table.element.querySelectorAll('script').length },
  };
}

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  const m = e.data;
  if (m.type === 'dataset') showDataset(m.dataset);
  else if (m.type === 'rows') {
    if (dataset) showDataset({ ...dataset, ...m.head, rows: applyRowsDelta(rows, m.delta) });
  }
  else if (m.type === 'found') {
    if (m.id !== searchId) return;
    hits = { text: view.text.trim().toLowerCase(), lines: new Set(m.lines) };
    reorder();
    table.scrollToTop();
  }
  else if (m.type === 'test') {
    if (m.action) act(m.action);
    post({ type: 'state', id: m.id, state: state() });
  }
});
post({ type: 'ready' });
