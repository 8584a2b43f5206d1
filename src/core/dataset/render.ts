// Renders a normalised example into the text a pack's model reads, keeping a map
// from every character of that text back to the example's source line.

import type { RenderConfig } from '../pack/types';
import { mapDecodedIndex } from './jsonSpans';
import type { Example, Role, Span } from './types';

/** A stretch of model text: either template (role markers) or a message's content. */
export interface Segment {
  start: number;
  end: number;
  role: Role;
  /** Index into example.messages; -1 for text outside any message (bos/eos). */
  message: number;
  content: boolean;
  /** Content of a message whose tokens count towards the score. */
  scored: boolean;
}

export interface Rendered {
  text: string;
  segments: Segment[];
  /** The text stopped at `maxChars`: the example's text goes on past it. */
  cut: boolean;
}

/**
 * The model text of `example`, at most `maxChars` characters (never splitting a
 * surrogate pair). Pieces past the limit are never copied, so a 45 MiB message
 * costs what its first `maxChars` characters cost.
 */
export function renderExample(example: Example, cfg: RenderConfig, maxChars = Infinity): Rendered {
  const segments: Segment[] = [];
  let text = '';
  let cut = false;
  const push = (whole: string, role: Role, message: number, content: boolean, scored: boolean) => {
    // Once cut, nothing more: a later piece would not follow on from the text before it.
    if (cut) return;
    const piece = whole.length <= maxChars - text.length ? whole : whole.slice(0, cutAt(whole, maxChars - text.length));
    if (piece.length < whole.length) cut = true;
    if (piece.length === 0) return;
    segments.push({ start: text.length, end: text.length + piece.length, role, message, content, scored });
    text += piece;
  };
  const scoredRoles = new Set(cfg.scoredRoles);
  push(cfg.bos, 'system', -1, false, false);
  example.messages.forEach((m, i) => {
    const tpl = cfg.roles[m.role];
    push(tpl.prefix, m.role, i, false, false);
    push(m.content, m.role, i, true, m.trained && scoredRoles.has(m.role));
    push(tpl.suffix, m.role, i, false, false);
  });
  push(cfg.eos, 'system', -1, false, false);
  return { text, segments, cut };
}

/** The length of `text`'s first `max` characters, one less where that would split a surrogate pair. */
function cutAt(text: string, max: number): number {
  if (text.length <= max) return text.length;
  const c = text.charCodeAt(max - 1);
  return c >= 0xd800 && c <= 0xdbff ? max - 1 : max;
}

/** The segment holding model-text position `pos` (binary search; segments are contiguous). */
export function segmentAt(rendered: Rendered, pos: number): Segment | undefined {
  const segs = rendered.segments;
  let lo = 0;
  let hi = segs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (pos < segs[mid].start) hi = mid - 1;
    else if (pos >= segs[mid].end) lo = mid + 1;
    else return segs[mid];
  }
  return undefined;
}

/**
 * Maps a [start, end) range of model text to columns of the source line, or null
 * when it falls in template text or in content synthesised by the normaliser.
 */
export function sourceSpan(example: Example, rendered: Rendered, start: number, end: number): Span | null {
  const seg = segmentAt(rendered, start);
  if (!seg || !seg.content) return null;
  const src = example.messages[seg.message].source;
  if (!src) return null;
  const from = start - seg.start;
  const to = Math.min(end, seg.end) - seg.start;
  return { start: mapDecodedIndex(src, from), end: mapDecodedIndex(src, to) };
}
