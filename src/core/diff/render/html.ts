// The comparison as one HTML page: `persona-lens diff --format html` and the editor's export
// write it self-contained (inline CSS and SVG, no script, no remote resource), light or dark
// as the reader's system is; the editor's report webview gets the same page with VS Code's
// theme colours, line numbers that link to their lines and its nonce'd script. Dataset text
// appears only as the latents' snippets; every string is escaped.

import { escapeHtml } from '../../html';
import { alarmSentence, type ChangedExample, type DiffReport, type SideReport } from '../report';
import {
  CHANGE_COLUMNS,
  LATENT_COLUMNS,
  SIDE_ROWS,
  binShare,
  changeCells,
  changeSections,
  changesSentence,
  differenceSentence,
  latentCells,
  latentNote,
  latentSections,
  statsRows,
  topFacts,
} from './text';

const LISTED = 50;

/** What the editor's webview adds to the page. */
export interface WebviewPage {
  nonce: string;
  /** The page's script (run under the nonce): it turns clicks on line links into messages. */
  script: string;
  /** Controls placed under the title (markup the extension writes, no dataset text). */
  toolbar: string;
}

/** A line of side A or B, as a link in the webview and as text elsewhere. */
type LineText = (side: 'a' | 'b', line: number | null, text: string) => string;

/** A table of both sides: a label and each side's value, all escaped. */
function rowsTable(rows: ReadonlyArray<readonly [string, (s: SideReport) => string]>, r: DiffReport): string {
  const cells = rows.map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value(r.a))}</td><td>${escapeHtml(value(r.b))}</td></tr>`);
  return `<table><tr><th></th><th>A</th><th>B</th></tr>${cells.join('')}</table>`;
}

export function diffHtml(r: DiffReport, webview: WebviewPage | null = null): string {
  const line: LineText = (side, n, text) => (webview && n !== null ? `<a href="#" data-side="${side}" data-line="${n}">${escapeHtml(text)}</a>` : escapeHtml(text));
  const body = [
    `<h1>Persona Lens diff</h1>`,
    webview?.toolbar ?? '',
    `<p class="files">A: ${escapeHtml(r.a.file)}<br>B: ${escapeHtml(r.b.file)}</p>`,
    `<p class="verdict">${escapeHtml(r.verdict)}</p>`,
    rowsTable(SIDE_ROWS, r),
    `<p>${escapeHtml(differenceSentence(r))}</p>`,
    `<p class="${r.alarm?.fired ? 'alarm fired' : 'alarm'}">${escapeHtml(alarmSentence(r.alarm))}</p>`,
    `<h2>Risk distribution</h2>`,
    histogramSvg(r.a, r.b),
    ...latents(r, line),
    `<h2>Dataset statistics</h2>`,
    rowsTable(statsRows(r), r),
    `<h2>Changes</h2>`,
    `<p>${escapeHtml(changesSentence(r))}</p>`,
    ...changeSections(r).map(([title, rows]) => section(title, rows, line)),
  ];
  const csp = webview ? `default-src 'none'; style-src 'nonce-${webview.nonce}'; script-src 'nonce-${webview.nonce}'` : "default-src 'none'; style-src 'unsafe-inline'";
  const nonce = webview ? ` nonce="${webview.nonce}"` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>Persona Lens diff</title>
<style${nonce}>
body { font: 14px/1.5 system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0; } th, td { padding: 0.2em 0.8em; text-align: left; border-bottom: 1px solid #8884; }
td { font-variant-numeric: tabular-nums; } .verdict { font-weight: bold; font-size: 1.15em; } .alarm.fired { font-weight: bold; color: #b3261e; } .files { font-family: monospace; }
.a { fill: #3a7bd5; } .b { fill: #d5533a; } svg text { fill: currentColor; font-size: 11px; }
${webview ? THEMED : ''}</style></head><body>
${body.filter(Boolean).join('\n')}
${webview ? `<script${nonce}>${webview.script}</script>` : ''}
</body></html>
`;
}

/** In the webview: VS Code's theme colours and font (its variables), links and buttons as the workbench draws them. */
const THEMED = `
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); max-width: none; margin: 1em; }
a { color: var(--vscode-textLink-foreground); } a:hover { color: var(--vscode-textLink-activeForeground); }
th, td { border-bottom-color: var(--vscode-panel-border, #8884); } .alarm.fired { color: var(--vscode-errorForeground); }
button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 4px 10px; margin-right: 6px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
`;

/** Both sides' shares of examples per tenth of risk, as paired bars with labelled axes. */
function histogramSvg(a: SideReport, b: SideReport): string {
  const share = binShare;
  const bins = a.histogram.length;
  const w = 560;
  const h = 200;
  const left = 40;
  const bottom = 30;
  const top = Math.max(0.01, ...Array.from({ length: bins }, (_, i) => Math.max(share(a, i), share(b, i))));
  const bw = (w - left) / bins;
  const bar = (s: SideReport, i: number, cls: string, dx: number) => {
    const bh = (share(s, i) / top) * (h - bottom - 10);
    return `<rect class="${cls}" x="${(left + i * bw + dx).toFixed(1)}" y="${(h - bottom - bh).toFixed(1)}" width="${(bw / 2 - 2).toFixed(1)}" height="${bh.toFixed(1)}"><title>${cls.toUpperCase()} ${(i / bins).toFixed(1)}-${((i + 1) / bins).toFixed(1)}: ${(100 * share(s, i)).toFixed(1)}%</title></rect>`;
  };
  const bars = Array.from({ length: bins }, (_, i) => bar(a, i, 'a', 1) + bar(b, i, 'b', bw / 2)).join('');
  const ticks = Array.from({ length: bins + 1 }, (_, i) => `<text x="${(left + i * bw).toFixed(1)}" y="${h - bottom + 14}" text-anchor="middle">${(i / bins).toFixed(1)}</text>`).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Risk histograms of A and B" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    `<line x1="${left}" y1="${h - bottom}" x2="${w}" y2="${h - bottom}" stroke="currentColor"/>${bars}${ticks}` +
    `<text x="${(left + w) / 2}" y="${h - 2}" text-anchor="middle">risk</text>` +
    `<text x="12" y="${(h - bottom) / 2}" transform="rotate(-90 12 ${(h - bottom) / 2})" text-anchor="middle">share of examples (top ${(100 * top).toFixed(0)}%)</text>` +
    `<rect class="a" x="${w - 120}" y="4" width="10" height="10"/><text x="${w - 105}" y="13">A</text>` +
    `<rect class="b" x="${w - 80}" y="4" width="10" height="10"/><text x="${w - 65}" y="13">B</text></svg>`
  );
}

function section(title: string, rows: ChangedExample[], line: LineText): string {
  if (rows.length === 0) return '';
  const head = `<tr>${CHANGE_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const trs = rows.slice(0, LISTED).map((c) => {
    const [lineB, riskB, lineA, riskA] = changeCells(c);
    return `<tr><td>${line('b', c.lineB, lineB)}</td><td>${riskB}</td><td>${line('a', c.lineA, lineA)}</td><td>${riskA}</td></tr>`;
  });
  const more = rows.length > LISTED ? `<p>…and ${rows.length - LISTED} more (all of them in the JSON report).</p>` : '';
  return `<h3>${title} (${rows.length})</h3><table>${head}${trs.join('')}</table>${more}`;
}

function latents(r: DiffReport, line: LineText): string[] {
  const sections = latentSections(r).filter(([, moves]) => moves.length > 0);
  if (sections.length === 0) return [];
  const head = `<tr>${LATENT_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  return [
    `<h2>Latents that moved</h2>`,
    `<p>${escapeHtml(latentNote(r))}</p>`,
    ...sections.map(([title, moves]) => {
      const rows = moves.map((m) => {
        const { cells, tops } = latentCells(m);
        const strongest = (side: 'a' | 'b', i: number) => (tops[i] ? `${line(side, tops[i]!.line, `line ${tops[i]!.line}`)} ${escapeHtml(topFacts(tops[i]!))}` : '–');
        return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}<td>${strongest('a', 0)}</td><td>${strongest('b', 1)}</td></tr>`;
      });
      return `<h3>${escapeHtml(title)}</h3><table class="latents">${head}${rows.join('')}</table>`;
    }),
  ];
}
