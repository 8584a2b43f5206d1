// A scan's per-line results as the panel's rows: scored examples only, in
// columns (see panelProtocol.ts).

import { documentAgreement, type Agreement } from '../../core/judge/agreement';
import type { Verdict } from '../../core/judge/rubric';
import type { ExampleScore, LineResult, TokenScore } from '../../core/score/types';
import { LEVELS, NO_ROWS, REVIEWS, type Decision, type PanelDataset, type PanelHead, type Rows, type RowsDelta } from './panelProtocol';
import type { DocumentScan } from '../scan/scans';

/** How many top tokens a row names. */
const TOP_TOKENS = 3;
/** A snippet's length, and how much of it comes before the top token. */
const SNIPPET_CHARS = 96;
const SNIPPET_LEAD = 24;

/** A dataset's lines as the panel needs them (1-based): their text, the reviewer's decision and the judge's verdict. */
export interface LineInfo {
  text(line: number): string;
  decision(line: number): Decision | undefined;
  verdict(line: number): Verdict | undefined;
}

/** The rows of the scored examples. */
export function toRows(results: readonly (LineResult | undefined)[], lines: LineInfo): Rows {
  const rows: Rows = structuredClone(NO_ROWS);
  for (const r of results) if (r?.result) pushRow(rows, r, r.result, lines);
  return rows;
}

function pushRow(rows: Rows, r: LineResult, result: ExampleScore, lines: LineInfo): void {
  rows.line.push(r.line);
  rows.risk.push(result.risk);
  rows.level.push(LEVELS.indexOf(result.level));
  rows.snippet.push(snippet(lines.text(r.line), result.topTokens));
  rows.tokens.push(topTokens(result.topTokens));
  rows.format.push(r.format ?? '');
  rows.review.push(REVIEWS.indexOf(lines.decision(r.line) ?? ''));
  rows.judge.push(lines.verdict(r.line)?.alignment ?? -1);
}

/**
 * What changed in `results` since `sent` (the results the page's rows were made from, by line
 * index): rows for the results that are new or replaced, and the lines that are no longer rows.
 * `sent` is brought up to date. While a long scan streams in, the page gets this instead of
 * every row again: building 100k rows each second held the extension host.
 */
export function rowsDelta(results: readonly (LineResult | undefined)[], sent: (LineResult | undefined)[], lines: LineInfo): RowsDelta {
  const upsert: Rows = structuredClone(NO_ROWS);
  const remove: number[] = [];
  const n = Math.max(results.length, sent.length);
  for (let i = 0; i < n; i++) {
    const now = results[i];
    const before = sent[i];
    if (now === before) continue;
    if (now?.result) pushRow(upsert, now, now.result, lines);
    else if (before?.result) remove.push(before.line);
    sent[i] = now;
  }
  sent.length = results.length;
  return { upsert, remove };
}

/** The top tokens, trimmed (a token of only spaces is shown quoted) and joined. */
export function topTokens(tokens: readonly TokenScore[]): string {
  return tokens
    .slice(0, TOP_TOKENS)
    .map((t) => t.text.trim() || JSON.stringify(t.text))
    .join(' · ');
}

/** The source text around the highest-scoring token that sits in the line (its start, without one). */
export function snippet(text: string, tokens: readonly TokenScore[]): string {
  const at = tokens.find((t) => t.span)?.span?.start ?? 0;
  const start = Math.max(0, Math.min(at - SNIPPET_LEAD, text.length - SNIPPET_CHARS));
  const end = Math.min(text.length, start + SNIPPET_CHARS);
  return (start > 0 ? '…' : '') + text.slice(start, end) + (end < text.length ? '…' : '');
}

/** What the panel shows of a scanned document. */
export function panelDataset(file: string, scan: Pick<DocumentScan, 'scanning' | 'summary' | 'results' | 'estimate'>, lines: LineInfo): PanelDataset {
  const once = memoVerdicts(lines);
  return {
    ...panelHead(file, scan),
    judge: judgeFacts(documentAgreement(scan.results, (i) => once.verdict(i + 1))),
    rows: toRows(scan.results, once),
  };
}

/** The panel's heading and counts, without the rows and the judge's figures (whose look-ups hash every line's text). */
export function panelHead(file: string, scan: Pick<DocumentScan, 'scanning' | 'summary' | 'estimate'>): PanelHead {
  const s = scan.summary;
  return {
    file,
    scanning: scan.scanning,
    estimate: scan.scanning ? scan.estimate : null,
    summary: s && { examples: s.examples, invalid: s.invalid, counts: s.counts, histogram: s.histogram, datasetRisk: s.datasetRisk },
  };
}

/** `lines` with each line's verdict looked up once (a lookup hashes the line's text). */
function memoVerdicts(lines: LineInfo): LineInfo {
  const seen = new Map<number, Verdict | undefined>();
  const verdict = (line: number) => {
    if (!seen.has(line)) seen.set(line, lines.verdict(line));
    return seen.get(line);
  };
  return { text: (l) => lines.text(l), decision: (l) => lines.decision(l), verdict };
}

function judgeFacts(a: Agreement | null): PanelDataset['judge'] {
  if (!a) return null;
  const disagreements = [...a.missedByPack, ...a.flaggedByPackOnly].map((j) => j.line).sort((x, y) => x - y);
  return { judged: a.judged, misaligned: a.misaligned, auroc: a.auroc, disagreements };
}
