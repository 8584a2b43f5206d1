// An example whose risk reaches the pack's elevated threshold, reported as a
// diagnostic the same way everywhere: SARIF results (CLI) and the Problems
// panel (extension). The codes are stable, like the dataset's PL0xx.

import type { Diagnostic, Severity } from '../dataset/types';
import type { ExampleScore } from './types';

export interface RiskCode {
  code: string;
  name: string;
  severity: Severity;
  summary: string;
}

export const RISK_CODES: Record<'elevated' | 'high', RiskCode> = {
  elevated: {
    code: 'PLR001',
    name: 'elevated-risk',
    // Information, not a warning: warnings are kept for the examples worth acting on.
    severity: 'info',
    summary: "The example's predicted misaligned-persona risk reaches the pack's elevated threshold.",
  },
  high: {
    code: 'PLR002',
    name: 'high-risk',
    severity: 'warning',
    summary: "The example's predicted misaligned-persona risk reaches the pack's high threshold.",
  },
};

/** The risk finding for the example on `line`, pointing at its strongest located token; null at low risk. */
export function riskDiagnostic(line: number, s: ExampleScore): Diagnostic | null {
  if (s.level === 'low') return null;
  const { code, severity } = RISK_CODES[s.level];
  const tokens = s.topTokens.slice(0, 3).map((t) => JSON.stringify(t.text));
  const message =
    `${s.level === 'high' ? 'High' : 'Elevated'} misaligned-persona risk ${s.risk.toFixed(3)} (score ${s.score.toFixed(3)})` +
    (tokens.length > 0 ? `; strongest tokens: ${tokens.join(', ')}.` : '.');
  const span = s.topTokens.find((t) => t.span)?.span;
  return { line, code, severity, message, ...(span && { span }) };
}
