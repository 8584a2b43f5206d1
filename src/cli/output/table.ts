// `--format table` (the default): a summary a person reads in a terminal. Per
// file: counts, formats, dataset risk, a one-line risk histogram, the ten
// riskiest lines, diagnostic counts by code and the first problems (errors
// before warnings); then totals when there were several files.

import { CODES } from '../../core/dataset/codes';
import type { Diagnostic } from '../../core/dataset/types';
import type { DatasetSummary, LineResult, RiskLevel } from '../../core/score/types';
import type { OutputWriter, Write } from './writer';

export interface TableOptions {
  color: boolean;
}

interface Risky {
  line: number;
  risk: number;
  level: RiskLevel;
  tokens: string[];
}

const TOP_LINES = 10;
const FIRST_PROBLEMS = 10;
const SEVERITY_RANK: Record<Diagnostic['severity'], number> = { error: 0, warning: 1, info: 2 };
const BLOCKS = ' ▁▂▃▄▅▆▇█';
const ANSI = { bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m', reset: '\x1b[0m' };
const LEVEL_COLOR: Record<RiskLevel, keyof typeof ANSI> = { low: 'green', elevated: 'yellow', high: 'red' };

/** Colour only for a terminal, and never when NO_COLOR is set to anything (https://no-color.org). */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

export function tableWriter(write: Write, opts: TableOptions): OutputWriter {
  const paint = (style: keyof typeof ANSI, text: string) => (opts.color ? `${ANSI[style]}${text}${ANSI.reset}` : text);
  const level = (l: RiskLevel, text: string = l) => paint(LEVEL_COLOR[l], text);
  let file = '';
  let files = 0;
  let riskiest: Risky[] = [];
  let codes = new Map<string, number>();
  let problems: Diagnostic[] = [];

  const counts = (s: DatasetSummary) => [
    `  lines ${s.lines} · examples ${s.examples} · invalid ${s.invalid} · blank ${s.blank} · errors ${s.errors} · warnings ${s.warnings}`,
    `  formats: ${formatList(s) || 'none recognised'}`,
    `  risk levels: ${level('low', `low ${s.counts.low}`)} · ${level('elevated', `elevated ${s.counts.elevated}`)} · ${level('high', `high ${s.counts.high}`)}`,
    s.datasetRisk === null
      ? '  dataset risk: n/a (no example scored)'
      : `  dataset risk ${paint('bold', fixed(s.datasetRisk))} (mean) · p95 ${fixed(s.p95Risk)} · max ${fixed(s.maxRisk)}`,
  ];

  return {
    beginFile(path) {
      file = path;
      files++;
      riskiest = [];
      codes = new Map();
      problems = [];
    },
    line(r: LineResult) {
      for (const d of r.diagnostics) {
        codes.set(d.code, (codes.get(d.code) ?? 0) + 1);
        if (d.severity !== 'info') problems = firstProblems(problems, d);
      }
      const s = r.result;
      if (!s || (riskiest.length === TOP_LINES && s.risk <= riskiest[TOP_LINES - 1].risk)) return;
      riskiest.push({ line: r.line, risk: s.risk, level: s.level, tokens: s.topTokens.slice(0, 3).map((t) => t.text) });
      // Stable sort: among equal risks the earlier line stays first.
      riskiest = riskiest.sort((a, b) => b.risk - a.risk).slice(0, TOP_LINES);
    },
    endFile(s) {
      const out = [paint('bold', file), ...counts(s), `  histogram 0 ${histogramBar(s.histogram)} 1`];
      if (riskiest.length > 0) {
        out.push(`  riskiest lines:`, paint('dim', '     line   risk  level     strongest tokens'));
        for (const r of riskiest) {
          const name = level(r.level, r.level.padEnd(8));
          out.push(`  ${String(r.line).padStart(7)}  ${fixed(r.risk)}  ${name}  ${snippet(r.tokens)}`);
        }
      }
      if (codes.size > 0) {
        const list = [...codes].sort(([a], [b]) => (a < b ? -1 : 1));
        const named = list.map(([code, n]) => [code, CODES.find((c) => c.code === code)?.name, `×${n}`].filter(Boolean).join(' '));
        out.push(`  diagnostics: ${named.join(' · ')}`);
      }
      if (problems.length > 0) {
        out.push(`  first problems:`);
        for (const d of problems) out.push(`    ${paint(d.severity === 'error' ? 'red' : 'yellow', d.code)} ${oneLine(d.message)}`);
      }
      write(out.join('\n') + '\n\n');
    },
    end(s) {
      if (files > 1) write([paint('bold', `all ${files} files`), ...counts(s)].join('\n') + '\n');
    },
  };
}

/** Keeps the FIRST_PROBLEMS most severe diagnostics, earliest first within a severity. */
function firstProblems(kept: Diagnostic[], d: Diagnostic): Diagnostic[] {
  if (kept.length === FIRST_PROBLEMS && SEVERITY_RANK[d.severity] >= SEVERITY_RANK[kept[kept.length - 1].severity]) return kept;
  return [...kept, d].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.line - b.line).slice(0, FIRST_PROBLEMS);
}

function formatList(s: DatasetSummary): string {
  return Object.entries(s.formats)
    .sort((a, b) => b[1]! - a[1]!)
    .map(([format, n]) => `${format} ${n}`)
    .join(' · ');
}

/** A message on one terminal line, control characters shown escaped, cut at 120 characters. */
function oneLine(message: string): string {
  const text = message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

function fixed(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(3);
}

/** One block per decile, its height relative to the fullest decile; empty deciles are blank. */
export function histogramBar(histogram: number[]): string {
  const top = Math.max(...histogram);
  const bar = histogram.map((n) => BLOCKS[n === 0 ? 0 : Math.max(1, Math.round((n / top) * (BLOCKS.length - 1)))]);
  return `▕${bar.join('')}▏`;
}

/** Tokens quoted (control characters escaped, so the terminal shows them, not obeys them), cut at 48 characters. */
function snippet(tokens: string[]): string {
  const text = tokens.map((t) => JSON.stringify(t)).join(', ');
  return text.length > 48 ? `${text.slice(0, 47)}…` : text;
}
