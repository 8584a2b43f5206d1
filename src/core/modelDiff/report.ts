// The `diff-models` report: the top N latents each way with their means, firing rates,
// labels (where the pack names them) and top snippets; as JSON, Markdown or a plain table.

import { esc, table } from '../markdown';
import type { LatentsFile } from '../pack/types';
import type { RankedLatent } from './rank';
import type { ModelDiffResult } from './run';
import type { Snippet } from './snippets';

export interface ReportLatent extends RankedLatent {
  /** The base pack's label for it, when latents.json names it. */
  label: string | null;
  snippets: Snippet[];
}

export interface ModelDiffReport {
  base: string;
  tuned: string;
  promptsFile: string;
  /** Which tokens the means are over. */
  tokens: 'answer' | 'prompt';
  prompts: { total: number; used: number; skippedNoAnswer: number; skippedNoTokens: number; truncated: number };
  /** Tokens counted per model. */
  counted: { base: number; tuned: number };
  /** Latents that rose and fell, in all (the lists below hold the top N). */
  moved: { increases: number; decreases: number };
  increases: ReportLatent[];
  decreases: ReportLatent[];
  /** What could not be checked about the tuned model. */
  notes: string[];
  /** modelShare: the share of the time inside the two models' runs. */
  timing: { seconds: number; modelTokens: number; tokensPerSecond: number; modelShare: number };
}

export function modelDiffReport(
  r: ModelDiffResult,
  info: { base: string; tuned: string; promptsFile: string; notes: string[]; latents: LatentsFile; top: number; snippets: (l: RankedLatent) => Snippet[] },
): ModelDiffReport {
  const labels = new Map(info.latents.latents.map((l) => [l.index, l.label]));
  const describe = (l: RankedLatent): ReportLatent => ({ ...l, label: labels.get(l.index) ?? null, snippets: info.snippets(l) });
  const seconds = r.ms / 1000;
  return {
    base: info.base,
    tuned: info.tuned,
    promptsFile: info.promptsFile,
    tokens: r.tokens,
    prompts: { total: r.prompts, used: r.used, skippedNoAnswer: r.skipped.noAnswer, skippedNoTokens: r.skipped.noTokens, truncated: r.truncated },
    counted: { base: r.base.tokens, tuned: r.tuned.tokens },
    moved: { increases: r.ranking.increases.length, decreases: r.ranking.decreases.length },
    increases: r.ranking.increases.slice(0, info.top).map(describe),
    decreases: r.ranking.decreases.slice(0, info.top).map(describe),
    notes: info.notes,
    timing: { seconds: Number(seconds.toFixed(2)), modelTokens: r.modelTokens, tokensPerSecond: seconds > 0 ? Math.round(r.modelTokens / seconds) : 0, modelShare: r.ms > 0 ? Number((r.modelMs / r.ms).toFixed(3)) : 0 },
  };
}

const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const rankText = (rank: number) => `#${rank}`;

/** What the report is about, in sentences (both text formats start with it). */
function summary(r: ModelDiffReport): string[] {
  const p = r.prompts;
  const over = r.tokens === 'answer' ? 'answer tokens (each model reading its answer)' : 'prompt tokens (the user messages; the file has no answers)';
  const lines = [
    `Base: ${r.base}. Tuned: ${r.tuned}. Prompts: ${r.promptsFile}, ${p.used} of ${p.total} used.`,
    `Mean activation of every SAE latent over the ${over}: ${r.counted.base} tokens (base), ${r.counted.tuned} (tuned). Rank #1 rose most (tuned minus base), #-1 fell most; ${r.moved.increases} latents rose, ${r.moved.decreases} fell.`,
  ];
  if (p.skippedNoAnswer > 0) lines.push(`${p.skippedNoAnswer} prompts without an answer were skipped.`);
  if (p.skippedNoTokens > 0) lines.push(`${p.skippedNoTokens} prompts had no token to count (an empty text) and were skipped.`);
  if (p.truncated > 0) lines.push(`${p.truncated} prompts were longer than the pack's context: only their first tokens were read.`);
  for (const n of r.notes) lines.push(`Note: ${n}.`);
  return lines;
}

export function modelDiffMarkdown(r: ModelDiffReport): string {
  const section = (title: string, ls: ReportLatent[]) => [
    `## ${title}`,
    ls.length === 0
      ? 'None.'
      : table(
          ['rank', 'latent', 'label', 'diff', 'base mean', 'tuned mean', 'fires base', 'fires tuned', 'top snippet'],
          ls.map((l) => [rankText(l.rank), String(l.index), l.label ? esc(l.label) : '', num(l.diff), num(l.baseMean), num(l.tunedMean), pct(l.baseFires), pct(l.tunedFires), l.snippets[0] ? `${esc(l.snippets[0].text)} (${l.snippets[0].activation})` : '']),
        ),
  ];
  return [`# Persona Lens model diff`, ...summary(r), ...section('Largest increases', r.increases), ...section('Largest decreases', r.decreases)].join('\n\n') + '\n';
}

/** A plain-text table for the terminal; snippets on their own indented lines. */
export function modelDiffTable(r: ModelDiffReport): string {
  const head = ['rank', 'latent', 'diff', 'base', 'tuned', 'fires b', 'fires t', 'label'];
  const block = (title: string, ls: ReportLatent[]) => {
    if (ls.length === 0) return [`${title}: none`];
    const rows = ls.map((l) => [rankText(l.rank), String(l.index), num(l.diff), num(l.baseMean), num(l.tunedMean), pct(l.baseFires), pct(l.tunedFires), l.label ?? '']);
    const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
    const fmt = (row: string[]) => row.map((v, c) => (c === row.length - 1 ? v : c <= 1 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ').trimEnd();
    const out = [`${title}:`, fmt(head)];
    ls.forEach((l, i) => {
      out.push(fmt(rows[i]));
      for (const s of l.snippets.slice(0, 3)) out.push(`    ${s.activation}  ${s.text.replace(/\s+/g, ' ')}`);
    });
    return out;
  };
  return [...summary(r), '', ...block('Largest increases', r.increases), '', ...block('Largest decreases', r.decreases)].join('\n') + '\n';
}
