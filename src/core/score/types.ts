// What a scan produces: per example and per dataset. Shared by the CLI, the
// worker protocol and the cache, so it holds plain JSON-able data only.

import type { Diagnostic, FormatId, Role, Span } from '../dataset/types';

export type RiskLevel = 'low' | 'elevated' | 'high';

export interface TokenScore {
  /** The token's text as it appears in the model text. */
  text: string;
  role: Role;
  /** Read-out value at this token (sum of weight * latent activation). */
  score: number;
  /** Where the token's characters sit in the source line; null for template text. */
  span: Span | null;
  /** [start, end) in the rendered model text; lets cached results be re-mapped to any line. */
  at?: [number, number];
}

export interface LatentHit {
  index: number;
  /** Label from latents.json, when the pack names this latent. */
  label?: string;
  /** Largest activation over the scored tokens. */
  max: number;
}

/** The part of a result that depends only on (pack, example): what the cache stores. */
export interface ExampleScore {
  /** Raw score: the read-out aggregated over the scored tokens, plus `promptEnd` when there is one. */
  score: number;
  /**
   * The part of `score` read at the prompt's end (format 5's prompt-end terms), present when the
   * pack has such terms: what the prompt the answer follows adds (negative: takes away).
   */
  promptEnd?: number;
  risk: number;
  level: RiskLevel;
  /** Tokens the model saw (after truncation) and tokens that were scored. */
  tokens: number;
  scoredTokens: number;
  truncated: boolean;
  /** The label of the read-out term that names this example (naming.ts), when one does. */
  persona?: string;
  /** The scored tokens with the highest read-out, highest first. */
  topTokens: TokenScore[];
  /** Per-latent maxima over scored tokens, when the scanner reports latents (ScannerOptions.latents). */
  latents?: LatentHit[];
  /** With `latents`: whether they come from a full SAE encode (the strongest of every latent), not only the named ones. */
  fullEncode?: boolean;
}

export interface LineResult {
  line: number;
  format: FormatId | null;
  /** Null when the line is blank or not a valid example. */
  result: ExampleScore | null;
  diagnostics: Diagnostic[];
  /** True when `result` came from the cache. */
  cached: boolean;
}

export interface DatasetSummary {
  lines: number;
  examples: number;
  /** Lines that are not blank but could not be scored. */
  invalid: number;
  blank: number;
  counts: Record<RiskLevel, number>;
  /** Examples per risk decile: histogram[i] counts risk in [i/10, (i+1)/10). */
  histogram: number[];
  meanRisk: number | null;
  p95Risk: number | null;
  maxRisk: number | null;
  /** Expected share of risky examples (mean risk); null when nothing was scored. */
  datasetRisk: number | null;
  errors: number;
  warnings: number;
  formats: Partial<Record<FormatId, number>>;
  tokens: number;
}
