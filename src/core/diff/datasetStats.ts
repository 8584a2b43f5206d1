// A dataset's statistics for the diff report, the ones OpenAI's fine-tuning
// data-prep cookbook prints and more: examples, messages per example, tokens per
// example and in all (the pack's tokenizer, and optionally a named OpenAI model's
// billed chat tokens), examples over the pack's context, formats, duplicates and
// diagnostics by code. Built a line at a time, so both sides still stream.

import { CODES } from '../dataset/codes';
import type { LineResult } from '../score/types';

/** What the report needs of an example besides its scan result. */
export interface ExampleFacts {
  messages: number;
  /** A named OpenAI model's tokens for the conversation, as billed (null when no model was named). */
  openaiTokens: number | null;
}

export interface Spread {
  min: number;
  median: number;
  p95: number;
  max: number;
  mean: number;
  total: number;
}

export interface DatasetStats {
  lines: number;
  examples: number;
  messages: Spread | null;
  /** The pack's tokens per example. */
  tokens: Spread | null;
  /** Examples longer than the pack's context (read through windows, PL070). */
  overContext: number;
  openaiTokens: Spread | null;
  formats: Record<string, number>;
  /** Examples that repeat an earlier one of the file. */
  duplicates: number;
  /** Every diagnostic's code and how often it came. */
  diagnostics: Record<string, number>;
}

/** Codes the statistics count on their own. */
const codeNamed = (name: string) => CODES.find((c) => c.name === name)!.code;
const DUPLICATE = codeNamed('duplicate');
const TOO_LONG = codeNamed('too-long');

export class StatsBuilder {
  private lines = 0;
  private readonly messages: number[] = [];
  private readonly tokens: number[] = [];
  private readonly openai: number[] = [];
  private overContext = 0;
  private duplicates = 0;
  private readonly formats: Record<string, number> = {};
  private readonly diagnostics: Record<string, number> = {};

  add(r: LineResult, facts: ExampleFacts | null): void {
    this.lines++;
    for (const d of r.diagnostics) {
      this.diagnostics[d.code] = (this.diagnostics[d.code] ?? 0) + 1;
      if (d.code === DUPLICATE) this.duplicates++;
      if (d.code === TOO_LONG) this.overContext++;
    }
    if (!r.result || !facts) return;
    this.messages.push(facts.messages);
    this.tokens.push(r.result.tokens);
    if (facts.openaiTokens !== null) this.openai.push(facts.openaiTokens);
    const format = r.format ?? 'unknown';
    this.formats[format] = (this.formats[format] ?? 0) + 1;
  }

  stats(): DatasetStats {
    return {
      lines: this.lines,
      examples: this.tokens.length,
      messages: spread(this.messages),
      tokens: spread(this.tokens),
      overContext: this.overContext,
      openaiTokens: spread(this.openai),
      formats: { ...this.formats },
      duplicates: this.duplicates,
      diagnostics: Object.fromEntries(Object.entries(this.diagnostics).sort(([a], [b]) => (a < b ? -1 : 1))),
    };
  }
}

export function spread(xs: readonly number[]): Spread | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  const total = s.reduce((a, b) => a + b, 0);
  return { min: s[0], median: at(0.5), p95: at(0.95), max: s[s.length - 1], mean: total / s.length, total };
}
