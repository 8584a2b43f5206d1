// Runs the base and the tuned model over the same prompts and tallies every SAE latent
// (the base pack's SAE) over the tokens counted: the answers' tokens, or the prompts'
// when there are no answers. Prompts go in chunks, each side in length-grouped batches;
// what is kept between chunks is the two tallies (a few numbers per latent).

import { renderExample, segmentAt, type Rendered } from '../dataset/render';
import type { Example, Message } from '../dataset/types';
import type { ModelSession } from '../model/session';
import type { LoadedPack } from '../pack/load';
import { planBatches, packBatch } from '../score/batching';
import type { Prompt } from './prompts';
import { rankLatents, type Ranking } from './rank';
import { LatentTally } from './tally';

/** Which tokens are averaged over: each model's answer, or the prompt (the user's messages). */
export type CountedTokens = 'answer' | 'prompt';
export type Side = 'base' | 'tuned';

export interface ModelDiffOptions {
  tokens: CountedTokens;
  /** Called after every batch. */
  onProgress?: (p: { prompts: number; of: number; tokens: number }) => void;
  /** Stops between batches with an Interrupted error. */
  signal?: AbortSignal;
  /** Prompts prepared at a time (default 64). */
  chunk?: number;
}

export interface ModelDiffResult {
  tokens: CountedTokens;
  /** Prompts in the file, and those that counted no token (no answer in answer mode, an empty text). */
  prompts: number;
  used: number;
  skipped: { noAnswer: number; noTokens: number };
  /** Prompts longer than the pack's maxTokens: only their first maxTokens tokens were read. */
  truncated: number;
  base: LatentTally;
  tuned: LatentTally;
  ranking: Ranking;
  /** Tokens run through each model (context included), and the time it all took. */
  modelTokens: number;
  ms: number;
  /** Of which inside the two models' runs (the rest: tokenising, the SAE, the tallies). */
  modelMs: number;
}

export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** A prompt as one model reads it: its text, tokens (cut at maxTokens), and which of them count. */
export interface PreparedPrompt {
  rendered: Rendered;
  text: string;
  ids: number[];
  offsets: Array<[number, number]>;
  /** Per token: 1 when it is counted. */
  counted: Uint8Array;
  countedTokens: number;
  truncated: boolean;
}

/**
 * Renders `prompt` as the pack renders examples, with `side`'s answer after it (answer mode)
 * and marks the counted tokens: the answer's content, or the user messages' content. A
 * token counts by the character in its middle, as the scanner decides which tokens are scored.
 */
export function preparePrompt(pack: Pick<LoadedPack, 'manifest' | 'tokenizer'>, prompt: Prompt, side: Side, tokens: CountedTokens): PreparedPrompt | null {
  if (tokens === 'answer' && !prompt.answer) return null;
  const msg = (role: Message['role'], content: string): Message => ({ role, content, source: null, trained: true });
  const messages = prompt.context.map((m) => msg(m.role, m.content));
  if (tokens === 'answer') messages.push(msg('assistant', prompt.answer![side]));
  const example: Example = { line: 0, format: 'openai-chat', messages };
  const rendered = renderExample(example, pack.manifest.render);
  const enc = pack.tokenizer.encode(rendered.text);
  const max = pack.manifest.render.maxTokens;
  const n = Math.min(enc.ids.length, max);
  const counted = new Uint8Array(n);
  let countedTokens = 0;
  const answerAt = messages.length - 1;
  for (let t = 0; t < n; t++) {
    const [s, e] = enc.offsets[t];
    const seg = segmentAt(rendered, (s + Math.max(s, e - 1)) >> 1);
    if (!seg?.content) continue;
    if (tokens === 'answer' ? seg.message === answerAt : seg.role === 'user') {
      counted[t] = 1;
      countedTokens++;
    }
  }
  return { rendered, text: rendered.text, ids: enc.ids.slice(0, n), offsets: enc.offsets.slice(0, n), counted, countedTokens, truncated: enc.ids.length > max };
}

/** Padded tokens per model run: the scanner's size (768 tokens at d_model 576). */
function batchTokens(dModel: number): number {
  return Math.max(256, Math.floor((768 * 576) / dModel));
}

/**
 * Tokens per run of the statistics graph: it holds a few [tokens, d_sae] arrays, so at most
 * 2^20 activations (4 MiB) each. For the embedded pack (d_sae 8192) 128 tokens instead of
 * a whole model batch (768) cut peak RSS from 530 to 464 MiB at the same speed.
 */
function saeTokens(dSae: number): number {
  return Math.max(1, Math.floor(2 ** 20 / dSae));
}

/** What a run counts besides the tallies. */
interface Counts {
  used: number;
  skipped: { noAnswer: number; noTokens: number };
  truncated: number;
  modelTokens: number;
}

export async function diffModels(pack: LoadedPack, tuned: ModelSession, prompts: readonly Prompt[], opts: ModelDiffOptions): Promise<ModelDiffResult> {
  const t0 = performance.now();
  const modelMs0 = pack.model.runMs + tuned.runMs;
  const { dSae } = pack.saeConfig;
  const tallies = { base: new LatentTally(dSae), tuned: new LatentTally(dSae) };
  const models = { base: pack.model, tuned };
  const counts: Counts = { used: 0, skipped: { noAnswer: 0, noTokens: 0 }, truncated: 0, modelTokens: 0 };
  const chunk = opts.chunk ?? 64;
  let done = 0;
  for (let from = 0; from < prompts.length; from += chunk) {
    const to = Math.min(prompts.length, from + chunk);
    const { indices, sides } = prepareChunk(pack, prompts, from, to, opts.tokens, counts);
    for (const side of ['base', 'tuned'] as const) {
      await runSide(pack, models[side], sides[side], indices, tallies[side], counts, opts.signal, (rows) => {
        if (side === 'tuned') done += rows;
        opts.onProgress?.({ prompts: done, of: prompts.length, tokens: tallies.base.tokens + tallies.tuned.tokens });
      });
    }
    counts.used += indices.length;
    // Prompts skipped in this chunk count as done for the progress line.
    done += to - from - indices.length;
  }
  return {
    tokens: opts.tokens,
    prompts: prompts.length,
    ...counts,
    base: tallies.base,
    tuned: tallies.tuned,
    ranking: rankLatents(dSae, tallies.base, tallies.tuned),
    ms: performance.now() - t0,
    modelMs: pack.model.runMs + tuned.runMs - modelMs0,
  };
}

/** Prompts [from, to) as each model reads them; those with no token to count are counted as skipped instead. */
function prepareChunk(pack: LoadedPack, prompts: readonly Prompt[], from: number, to: number, tokens: CountedTokens, counts: Counts): { indices: number[]; sides: Record<Side, PreparedPrompt[]> } {
  const indices: number[] = [];
  const sides: Record<Side, PreparedPrompt[]> = { base: [], tuned: [] };
  for (let i = from; i < to; i++) {
    const b = preparePrompt(pack, prompts[i], 'base', tokens);
    const a = prompts[i].answer;
    // Both models read the same text unless the file gives each its own answer: tokenised once.
    const t = tokens === 'prompt' || a?.base === a?.tuned ? b : preparePrompt(pack, prompts[i], 'tuned', tokens);
    if (!b || !t) counts.skipped.noAnswer++;
    // A prompt counts on both sides or on neither, so both means are over the same prompts.
    else if (b.countedTokens === 0 || t.countedTokens === 0) counts.skipped.noTokens++;
    else {
      indices.push(i);
      sides.base.push(b);
      sides.tuned.push(t);
      if (b.truncated || t.truncated) counts.truncated++;
    }
  }
  return { indices, sides };
}

/** One model over prepared prompts (seqs[j] is prompt indices[j]) in length-grouped batches, into its tally. */
async function runSide(
  pack: LoadedPack,
  model: ModelSession,
  seqs: PreparedPrompt[],
  indices: number[],
  tally: LatentTally,
  counts: Counts,
  signal: AbortSignal | undefined,
  onBatch: (rows: number) => void,
): Promise<void> {
  const d = pack.manifest.model.dModel;
  for (const batch of planBatches(seqs.map((s) => s.ids.length), batchTokens(d), 64)) {
    if (signal?.aborted) throw new Interrupted();
    const { ids, mask } = packBatch(seqs.map((s) => s.ids), batch, pack.manifest.model.padTokenId);
    const out = await model.run(ids, mask, batch.items.length, batch.seq);
    const counted = new Float32Array(batch.items.length * batch.seq);
    batch.items.forEach((item, r) => {
      counted.set(seqs[item].counted, r * batch.seq);
      counts.modelTokens += seqs[item].ids.length;
    });
    // The SAE reads the batch a few rows at a time (saeTokens).
    const rows = Math.max(1, Math.floor(saeTokens(pack.saeConfig.dSae) / batch.seq));
    for (let r0 = 0; r0 < batch.items.length; r0 += rows) {
      const r1 = Math.min(batch.items.length, r0 + rows);
      const items = batch.items.slice(r0, r1);
      const hidden = out.hidden.subarray(r0 * batch.seq * d, r1 * batch.seq * d);
      const stats = await pack.sae.latentStats(hidden, counted.subarray(r0 * batch.seq, r1 * batch.seq), r1 - r0, batch.seq);
      tally.add(stats, items.map((item) => indices[item]), items.reduce((n, item) => n + seqs[item].countedTokens, 0));
    }
    onBatch(batch.items.length);
  }
}
