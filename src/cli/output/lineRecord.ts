// The JSON object reported for one input line: by `--format jsonl` (one per
// output line) and `--format json` (its `examples`). Part of the CLI contract
// (DESIGN.md): fields may be added, never renamed or removed.

import type { Diagnostic, FormatId } from '../../core/dataset/types';
import type { LineResult, RiskLevel } from '../../core/score/types';

export interface LineRecord {
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  /** 0..1; null when the line is not a valid example (blank lines included). */
  risk: number | null;
  /** The raw score (the read-out aggregated over the scored tokens, plus promptEnd); null with risk. */
  score: number | null;
  /** With a pack that reads the prompt's end (format 5): that part of `score`. */
  promptEnd?: number;
  level: RiskLevel | null;
  /** The label of the read-out term that names the example (a persona latent or direction), when one does. */
  persona?: string;
  format: FormatId | null;
  tokens: number | null;
  cached: boolean;
  topTokens: Array<{ text: string; score: number }>;
  /** Every diagnostic of the line, whatever its severity. */
  errors: Diagnostic[];
  /** With --all-latents: the example's strongest SAE latents and every named one that fired, strongest first. */
  latents?: Array<{ index: number; label?: string; max: number }>;
}

export function toLineRecord(file: string, r: LineResult): LineRecord {
  const s = r.result;
  return {
    file,
    line: r.line,
    risk: s?.risk ?? null,
    score: s?.score ?? null,
    ...(s?.promptEnd !== undefined && { promptEnd: s.promptEnd }),
    level: s?.level ?? null,
    ...(s?.persona !== undefined && { persona: s.persona }),
    format: r.format,
    tokens: s?.tokens ?? null,
    cached: r.cached,
    topTokens: s?.topTokens.map((t) => ({ text: t.text, score: t.score })) ?? [],
    // Copied field by field so the output holds exactly the documented keys.
    errors: r.diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      message: d.message,
      line: d.line,
      ...(d.span && { span: { start: d.span.start, end: d.span.end } }),
    })),
    ...(s?.latents && { latents: s.latents.map((h) => ({ index: h.index, ...(h.label !== undefined && { label: h.label }), max: h.max })) }),
  };
}
