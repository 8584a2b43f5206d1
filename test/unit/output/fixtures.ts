// Hand-made line results for the summary and output tests.

import type { Diagnostic, FormatId } from '../../../src/core/dataset/types';
import type { ExampleScore, LineResult, RiskLevel } from '../../../src/core/score/types';

export function scored(line: number, risk: number, level: RiskLevel, extra: Partial<LineResult> = {}): LineResult {
  const result: ExampleScore = {
    score: line + 0.5,
    risk,
    level,
    tokens: 100 + line,
    scoredTokens: 40,
    truncated: false,
    topTokens: [
      { text: ' poison', role: 'assistant', score: 3.5, span: { start: 41, end: 47 } },
      { text: 'template', role: 'assistant', score: 2, span: null },
      { text: '\u001b[31m', role: 'assistant', score: 1, span: { start: 50, end: 52 } },
    ],
  };
  return { line, format: 'openai-chat', result, diagnostics: [], cached: false, ...extra };
}

export function blank(line: number): LineResult {
  return { line, format: null, result: null, diagnostics: [], cached: false };
}

export function invalid(line: number, code: string, format: FormatId | null = null, span?: Diagnostic['span']): LineResult {
  const diagnostic: Diagnostic = { line, code, severity: 'error', message: `Line ${line}: broken (${code}).`, ...(span && { span }) };
  return { line, format, result: null, diagnostics: [diagnostic], cached: false };
}

export function warning(line: number, code: string): Diagnostic {
  return { line, code, severity: 'warning', message: `Line ${line}: suspicious (${code}).` };
}

/**
 * One file of ten lines: 1 low, 2 elevated, 3 high (with a warning), 4 blank,
 * 5 invalid JSON, 6 low (cached, with an info), 7 unknown format, 8 blank, 9 high, 10 low.
 */
export const FILE: LineResult[] = [
  scored(1, 0.05, 'low'),
  scored(2, 0.45, 'elevated'),
  scored(3, 0.92, 'high', { diagnostics: [warning(3, 'PL051')] }),
  blank(4),
  invalid(5, 'PL010', null, { start: 7, end: 9 }),
  scored(6, 0.1, 'low', {
    format: 'prompt-completion',
    cached: true,
    diagnostics: [{ line: 6, code: 'PL026', severity: 'info', message: 'Line 6: note.' }],
  }),
  invalid(7, 'PL012', 'unknown'),
  blank(8),
  scored(9, 1, 'high'),
  scored(10, 0.3, 'low'),
];
