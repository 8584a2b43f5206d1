// A scanned side of a comparison made from risks and prompts, for the diff tests.

import { StatsBuilder } from '../../../src/core/diff/datasetStats';
import type { DiffEntry, DiffSide } from '../../../src/core/diff/report';
import { summarize } from '../../../src/core/score/summary';
import type { LineResult, RiskLevel } from '../../../src/core/score/types';

const levelOf = (r: number): RiskLevel => (r >= 0.8 ? 'high' : r >= 0.5 ? 'elevated' : 'low');

export function sideOf(file: string, risks: number[], prompts: string[]): DiffSide {
  const entries: DiffEntry[] = risks.map((risk, i) => ({ line: i + 1, keys: { content: `${prompts[i]}|${risk}`, prompt: prompts[i] }, risk, level: levelOf(risk) }));
  const lines: LineResult[] = entries.map((e) => ({
    line: e.line,
    format: 'openai-chat',
    result: { score: e.risk, risk: e.risk, level: e.level, tokens: 10, scoredTokens: 5, truncated: false, topTokens: [] },
    diagnostics: [],
    cached: false,
  }));
  const stats = new StatsBuilder();
  for (const l of lines) stats.add(l, { messages: 2, openaiTokens: null });
  return { file, entries, summary: summarize(lines), stats: stats.stats(), latents: null };
}
