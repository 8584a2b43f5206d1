// The panel's script: shows the dataset the extension sends, keeps the
// table's order, filter and selection, and posts back what the user asks for
// (reveal a line, copy or export the selected lines). It knows the extension
// only through panelProtocol.ts.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { LEVELS, type FromWebview, type PanelDataset, type RenderedState, type Rows, type TableView, type TestAction, type ToWebview } from '../src/extension/panelProtocol';
import { el } from './dom';
import { ExamplesTable } from './examplesTable';
import { clickRow, NO_SELECTION, selectedLines, type Selection } from './selection';
import { SummaryView } from './summaryView';
import { DEFAULT_VIEW, tableOrder } from './table';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): { view?: TableView } | undefined;
  setState(state: { view: TableView }): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: FromWebview) => vscode.postMessage(m);

let dataset: PanelDataset | null = null;
let rows: Rows = { line: [], risk: [], level: [], snippet: [], tokens: [], format: [] };
let view: TableView = { ...DEFAULT_VIEW, ...vscode.getState()?.view };
let order: number[] = [];
let selection: Selection = NO_SELECTION;

const summary = new SummaryView();
const table = new ExamplesTable({
  sort: (key) => setView({ sort: key, descending: key === view.sort ? !view.descending : key === 'risk' || key === 'level' }),
  click: (position, mods) => {
    selection = clickRow(selection, order.map((i) => rows.line[i]), position, mods);
    if (!mods.shift && !mods.ctrl) post({ type: 'reveal', line: rows.line[order[position]] });
    render();
  },
});

const filter = el('vscode-textfield', 'filter') as VscodeTextfield;
filter.placeholder = 'Filter: text, tokens, format, line';
filter.value = view.text;
filter.addEventListener('input', () => setView({ text: filter.value }));
const levelBoxes = LEVELS.map((level, i) => {
  const box = el('vscode-checkbox') as VscodeCheckbox;
  box.label = level;
  box.checked = view.levels[i];
  box.addEventListener('change', () => setView({ levels: levelBoxes.map((b) => b.checked) as TableView['levels'] }));
  return box;
});
const count = el('span', 'count');
const copy = button('Copy line numbers', () => post({ type: 'copyLines', lines: selectedLines(selection) }));
const exportButton = button('Export selected…', () => post({ type: 'exportLines', lines: selectedLines(selection) }));
exportButton.secondary = true;

const toolbar = el('div', 'toolbar');
toolbar.append(filter, ...[...levelBoxes].reverse());
const actions = el('div', 'actions');
actions.append(count, copy, exportButton);
document.body.append(summary.element, toolbar, actions, table.element);

function button(label: string, run: () => void): VscodeButton {
  const b = el('vscode-button') as VscodeButton;
  b.textContent = label;
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
  order = tableOrder(rows, view);
  render();
}

function render(): void {
  table.show(rows, order, view, selection.lines);
  const n = selection.lines.size;
  count.textContent = `${order.length} of ${rows.line.length} examples` + (n > 0 ? ` · ${n} selected` : '');
  copy.disabled = exportButton.disabled = n === 0;
}

function showDataset(next: PanelDataset | null): void {
  dataset = next;
  rows = next?.rows ?? { line: [], risk: [], level: [], snippet: [], tokens: [], format: [] };
  // Keep the selected lines that still are examples.
  const present = new Set(rows.line);
  selection = { lines: new Set([...selection.lines].filter((l) => present.has(l))), anchor: selection.anchor !== null && present.has(selection.anchor) ? selection.anchor : null };
  summary.show(dataset);
  reorder();
}

/** Test mode: what a test asked for, done as the user would (through the DOM where there is one). */
function act(action: TestAction): void {
  if ('view' in action) setView(action.view);
  else if ('click' in action) {
    table.reveal(action.click)?.dispatchEvent(new MouseEvent('click', { bubbles: true, shiftKey: action.shift, ctrlKey: action.ctrl }));
  } else (action.button === 'copy' ? copy : exportButton).click();
}

function state(): RenderedState {
  return {
    heading: summary.headingText,
    summary: summary.factsText,
    bars: summary.bars,
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
  else if (m.type === 'test') {
    if (m.action) act(m.action);
    post({ type: 'state', id: m.id, state: state() });
  }
});
post({ type: 'ready' });
