// Which examples of B are A's, changed, new or gone. Matched first by content (what
// training sees), then what is left by prompt (the same question answered anew is a
// change, not an addition and a removal). Order does not matter: a reordered file is
// unchanged, its examples only moved.

import { exampleHash } from '../cache/resultCache';
import type { Example } from '../dataset/types';

export interface ExampleKeys {
  /** Roles, trained flags and texts of every message. */
  content: string;
  /** The same of every message but the assistant's: the prompt an answer was given to. */
  prompt: string;
}

/** Hex digits of a key kept: 64 bits, so 100k examples a side collide with odds of about 1 in 10^9, and a cached side parses faster. */
const KEY_HEX = 16;

export function exampleKeys(example: Example): ExampleKeys {
  const parts = (keep: (role: string) => boolean) =>
    example.messages.filter((m) => keep(m.role)).flatMap((m) => [m.role, m.trained ? '1' : '0', m.content]);
  return { content: exampleHash(parts(() => true)).slice(0, KEY_HEX), prompt: exampleHash(parts((r) => r !== 'assistant')).slice(0, KEY_HEX) };
}

export interface Matched<T> {
  unchanged: Array<[T, T]>;
  changed: Array<[T, T]>;
  added: T[];
  removed: T[];
}

/** Pairs a's and b's items; each item is used once, earlier lines first. */
export function matchExamples<T extends { keys: ExampleKeys }>(a: readonly T[], b: readonly T[]): Matched<T> {
  const pair = (from: readonly T[], to: readonly T[], key: (t: T) => string) => {
    const waiting = new Map<string, T[]>();
    for (const t of from) {
      const list = waiting.get(key(t));
      if (list) list.push(t);
      else waiting.set(key(t), [t]);
    }
    const pairs: Array<[T, T]> = [];
    const unpaired: T[] = [];
    for (const t of to) {
      const match = waiting.get(key(t))?.shift();
      if (match) pairs.push([match, t]);
      else unpaired.push(t);
    }
    const left = [...waiting.values()].flat();
    const order = new Map(from.map((t, i) => [t, i]));
    left.sort((x, y) => order.get(x)! - order.get(y)!);
    return { pairs, unpaired, left };
  };
  const byContent = pair(a, b, (t) => t.keys.content);
  const byPrompt = pair(byContent.left, byContent.unpaired, (t) => t.keys.prompt);
  return { unchanged: byContent.pairs, changed: byPrompt.pairs, added: byPrompt.unpaired, removed: byPrompt.left };
}
