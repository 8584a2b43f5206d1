// An example as the inspector shows it: its messages in order, each with the stretches of its
// text that contributed most to the risk (the scan's top spans, mapped from the source line
// back into the message text), and its text cut into prose and fenced code.

import { decodedIndexOf } from '../dataset/jsonSpans';
import type { Example, Role } from '../dataset/types';
import type { TokenScore } from '../score/types';

export interface Mark {
  /** [start, end) in the message's text. */
  start: number;
  end: number;
  score: number;
}

export interface Piece {
  text: string;
  code: boolean;
  /** Marks within this piece, relative to its text. */
  marks: Mark[];
}

export interface InspectedMessage {
  role: Role;
  /** False when the format says the message is not trained on. */
  trained: boolean;
  pieces: Piece[];
}

/** The conversation of `example`, with `tokens` (the scan's top spans) marked where the line holds them. */
export function inspectExample(example: Example, tokens: readonly TokenScore[]): InspectedMessage[] {
  return example.messages.map((m) => {
    const marks: Mark[] = [];
    const src = m.source;
    if (src) {
      for (const t of tokens) {
        if (!t.span || t.span.start < src.start || t.span.end > src.end) continue;
        const start = decodedIndexOf(src, t.span.start);
        const end = decodedIndexOf(src, t.span.end);
        if (end > start) marks.push({ start, end, score: t.score });
      }
    }
    return { role: m.role, trained: m.trained, pieces: pieces(m.content, marks) };
  });
}

/** Cuts text into prose and ``` fenced code (a fence's own lines stay with the code), spreading the marks over the pieces. */
function pieces(text: string, marks: readonly Mark[]): Piece[] {
  const cuts: Array<{ start: number; end: number; code: boolean }> = [];
  const fence = /^```[^\n]*\n[\s\S]*?(^```[ \t]*$|(?![\s\S]))/gm;
  let at = 0;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    if (m.index > at) cuts.push({ start: at, end: m.index, code: false });
    cuts.push({ start: m.index, end: m.index + m[0].length, code: true });
    at = m.index + m[0].length;
    if (m[0].length === 0) fence.lastIndex++;
  }
  if (at < text.length || cuts.length === 0) cuts.push({ start: at, end: text.length, code: false });
  return cuts.map(({ start, end, code }) => ({
    text: text.slice(start, end),
    code,
    marks: marks.filter((k) => k.start < end && k.end > start).map((k) => ({ start: Math.max(k.start, start) - start, end: Math.min(k.end, end) - start, score: k.score })),
  }));
}
