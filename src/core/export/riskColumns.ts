// The dataset with the pack's risk beside each example: as JSONL (each object
// line keeps its own bytes, with three keys added before its closing brace) or
// as CSV for spreadsheets and DuckDB (RFC 4180, the line's JSON in a column).

import type { LineResult } from '../score/types';

/** The keys added to each example object; the last of a duplicated key wins in JSON readers. */
export const RISK_KEYS = ['persona_lens_risk', 'persona_lens_level', 'persona_lens_score'] as const;

function riskValues(r: LineResult | undefined): [number | null, string | null, number | null] {
  return [r?.result?.risk ?? null, r?.result?.level ?? null, r?.result?.score ?? null];
}

/**
 * `text` (one JSONL line, no line break) with the risk keys added, null where the example
 * was not scored. A line that is no example in a format we read (blank, broken JSON, an
 * object of another shape) is returned as it is, so line N of the output is line N of the input.
 */
export function withRiskKeys(text: string, r: LineResult | undefined): string {
  const end = text.trimEnd();
  if (!r || r.format === null || !end.endsWith('}') || !text.trimStart().startsWith('{')) return text;
  const inner = end.slice(0, -1);
  const empty = inner.trim() === '{';
  const added = RISK_KEYS.map((k, i) => `${JSON.stringify(k)}:${JSON.stringify(riskValues(r)[i])}`).join(',');
  return `${inner}${empty ? '' : ','}${added}}${text.slice(end.length)}`;
}

export const CSV_COLUMNS = ['line', 'risk', 'level', 'score', 'tokens', 'format', 'diagnostics', 'example'] as const;

/** One CSV record (no line break): the line number, the pack's figures, diagnostic codes and the line's text. */
export function csvRow(line: number, text: string, r: LineResult | undefined): string {
  const [risk, level, score] = riskValues(r);
  const cells = [line, risk, level, score, r?.result?.tokens ?? null, r?.format ?? null, r?.diagnostics.map((d) => d.code).join(' ') ?? '', text];
  return cells.map((c) => csvCell(c === null ? '' : String(c))).join(',');
}

/** RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
