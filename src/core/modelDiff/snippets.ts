// Top snippets of a ranked latent: the tokens it fired at most, each shown in its text with
// the token marked «», as the pack builder writes latents.json's topExamples.

import { segmentAt } from '../dataset/render';
import type { LoadedPack } from '../pack/load';
import type { Prompt } from './prompts';
import type { RankedLatent } from './rank';
import { preparePrompt, type ModelDiffResult, type Side } from './run';

export interface Snippet {
  /** Text around the token, the token marked «». */
  text: string;
  activation: number;
  /** The prompt it is in (its `where`), and which model read it. */
  prompt: string;
  model: Side;
}

/** Characters of context kept on each side of the token. */
const WIDTH = 60;

/**
 * `text` around [start, end) with the token marked: back to the line's start when that is
 * within WIDTH characters (else WIDTH characters), and WIDTH characters on, never outside
 * [from, to) (the message's content: role markers are not part of a snippet).
 */
export function snippetText(text: string, start: number, end: number, from = 0, to = text.length, width = WIDTH): string {
  const newline = text.lastIndexOf('\n', start - 1);
  const lo = Math.max(from, newline >= start - width ? newline + 1 : start - width);
  return `${text.slice(lo, start)}«${text.slice(start, end)}»${text.slice(end, Math.min(to, end + width))}`;
}

/**
 * A ranked latent's snippets: where the tuned model's reading fired it most for a rise,
 * where the base model's did for a fall (what it stopped responding to).
 */
export function snippetsOf(pack: Pick<LoadedPack, 'manifest' | 'tokenizer'>, prompts: readonly Prompt[], result: ModelDiffResult, latent: RankedLatent): Snippet[] {
  const side: Side = latent.rank > 0 ? 'tuned' : 'base';
  const seen = new Set<string>();
  return result[side].top(latent.index).flatMap((t) => {
    const p = preparePrompt(pack, prompts[t.prompt], side, result.tokens)!;
    const [s, e] = p.offsets[t.position];
    const seg = segmentAt(p.rendered, s);
    const text = snippetText(p.text, s, e, seg?.start, seg?.end);
    // Question files repeat a question (with and without a system prompt): one snippet for it.
    if (seen.has(text)) return [];
    seen.add(text);
    return [{ text, activation: round(t.activation), prompt: prompts[t.prompt].where, model: side }];
  });
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
