// Which lines of a scanned file are findings, and which comes next: no `vscode` here,
// so unit tests can check the order.

import type { LineResult } from '../../core/score/types';
import type { LineRange } from '../../worker/protocol';

/**
 * Lines each side of the screen that get their CodeLenses. VS Code asks for a document's lenses
 * whole, after every change: on a 100k-line file that flags most lines (the bench pack) that
 * was about 100k lenses every second of a scan.
 */
export const LENS_MARGIN = 300;

/** 0-based lines [from, to): the screens (1-based, inclusive) of the editors showing a document, and LENS_MARGIN each side; the top when none shows it. */
export function lensWindow(screens: readonly LineRange[], lineCount: number): { from: number; to: number } {
  if (screens.length === 0) return { from: 0, to: Math.min(lineCount, 2 * LENS_MARGIN) };
  const first = Math.min(...screens.map((s) => s.first));
  const last = Math.max(...screens.map((s) => s.last));
  return { from: Math.max(0, first - 1 - LENS_MARGIN), to: Math.min(lineCount, last + LENS_MARGIN) };
}

/** Whether a screen came within a third of LENS_MARGIN of the window's edge (one that is not the document's). */
export function leavesWindow(window: { from: number; to: number }, screen: LineRange, lineCount: number): boolean {
  const slack = LENS_MARGIN / 3;
  return (window.from > 0 && screen.first - 1 < window.from + slack) || (window.to < lineCount && screen.last > window.to - slack);
}

/** The results at elevated or high risk, in line order. */
export function flagged(results: readonly (LineResult | undefined)[]): LineResult[] {
  return results.filter((r): r is LineResult => !!r?.result && r.result.level !== 'low');
}

/** The 0-based line of the next (or previous) flagged, unsuppressed example after (before) `from`, wrapping around; null when none. */
export function nextFinding(results: readonly (LineResult | undefined)[], from: number, direction: 1 | -1, suppressed: (line: number) => boolean): number | null {
  const lines = flagged(results)
    .map((r) => r.line - 1)
    .filter((l) => !suppressed(l));
  if (lines.length === 0) return null;
  if (direction === 1) return lines.find((l) => l > from) ?? lines[0];
  return [...lines].reverse().find((l) => l < from) ?? lines[lines.length - 1];
}
