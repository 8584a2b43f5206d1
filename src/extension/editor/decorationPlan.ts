// Which lines and columns the inline decorations mark, from a document's
// results. No `vscode` here: decorations.ts turns these into decoration ranges.

import type { LineResult, RiskLevel } from '../../core/score/types';
import type { DecisionAt } from '../../core/review/reviewFile';
import { badgeText } from './riskText';

export type { DecisionAt };
// Suppressed examples are not marked.
const undecided: DecisionAt = () => undefined;

export type Flagged = Exclude<RiskLevel, 'low'>;

/** Lines (0-based) of the examples at elevated and at high risk, over the whole document, but suppressed ones. */
export function flaggedLines(results: readonly (LineResult | undefined)[], decision: DecisionAt = undecided): Record<Flagged, number[]> {
  const out: Record<Flagged, number[]> = { elevated: [], high: [] };
  results.forEach((r, i) => {
    const level = r?.result?.level;
    if (level && level !== 'low' && decision(i) !== 'suppressed') out[level].push(i);
  });
  return out;
}

/** The most overview-ruler marks per level: the ruler is a few hundred pixels tall. */
export const MAX_RULER_MARKS = 2000;

/**
 * Overview-ruler marks for flagged `lines` (0-based, ascending) of a
 * `lineCount`-line document, as [first, last] line ranges: one per line up to
 * MAX_RULER_MARKS lines, past that one per run of lines sharing a stretch of
 * lineCount / MAX_RULER_MARKS lines (finer than a pixel of the ruler).
 */
export function rulerMarks(lines: readonly number[], lineCount: number): Array<[number, number]> {
  const stretch = Math.max(1, Math.ceil(lineCount / MAX_RULER_MARKS));
  const marks: Array<[number, number]> = [];
  for (const line of lines) {
    const last = marks[marks.length - 1];
    if (last && Math.floor(last[0] / stretch) === Math.floor(line / stretch)) last[1] = line;
    else marks.push([line, line]);
  }
  return marks;
}

export interface Badge {
  line: number;
  level: Flagged;
  text: string;
}

export interface TokenMark {
  line: number;
  start: number;
  end: number;
}

/**
 * In lines [from, to) (0-based): a badge for each flagged example not suppressed, and the
 * spans of the top tokens of each high-risk one (tokens of template text have
 * no span and are left out).
 */
export function windowMarks(
  results: readonly (LineResult | undefined)[],
  from: number,
  to: number,
  decision: DecisionAt = undecided,
): { badges: Badge[]; tokens: TokenMark[] } {
  const badges: Badge[] = [];
  const tokens: TokenMark[] = [];
  for (let line = Math.max(0, from); line < Math.min(results.length, to); line++) {
    const r = results[line]?.result;
    if (!r || r.level === 'low') continue;
    const decided = decision(line);
    if (decided === 'suppressed') continue;
    badges.push({ line, level: r.level, text: badgeText(r.risk, r.persona ?? null, decided) });
    if (r.level !== 'high') continue;
    for (const t of r.topTokens) if (t.span) tokens.push({ line, start: t.span.start, end: t.span.end });
  }
  return { badges, tokens };
}
