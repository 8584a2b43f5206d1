// One scan of a document (a snapshot of the scan host's copy, or a saved file
// not read yet). Lines are parsed exactly as the CLI does (same numbering, same
// diagnostics, the same checks across lines), and examples are scored, unchanged
// lines coming from the line cache. Results come a chunk at a time, in input
// order, so the caller can stream them and stop between chunks; lines in focus
// (on screen) are scored ahead of that order, a chunk of them at a time, by the
// scorer that answers at once (the scan host's own session), the rest by the bulk
// one (bulkThread.ts), so that a newer scan's lines in focus never wait for them.

import { atLine, FileChecker, parseLine, parseLines, type Example, type ParsedLine, type RawLine } from '../core/dataset';
import type { Scored } from '../core/score/scanner';
import type { LineResult } from '../core/score/types';
import type { ScanDocument } from './document';
import { LineCache } from './lineCache';
import type { LineRange } from './protocol';

/**
 * A chunk's size: small, so that a newer scan (an edit, another file) waits little for the
 * chunk running when it comes, and enough short lines to fill a model run: at least 256 bytes,
 * at most 16 lines. (The default pack, scan host alone, 1 thread, the editor bench's lines of
 * about 400 bytes: an edited line waited 1.3-1.5 s median behind chunks of a KiB, three lines,
 * 0.74 s behind chunks of 256 bytes, one line; 4 KiB / 64 lines had made it 0.59 s with the
 * earlier from-scratch pack, a tenth of the work a token.)
 */
const CHUNK_BYTES = 256;
const CHUNK_LINES = 16;
/** The most lines scored ahead for one focus: a tall editor shows fewer. */
const MAX_AHEAD = 256;

/** `wanted` is asked before a run that waited: false when its scan was cancelled meanwhile. */
export type Score = (examples: Example[], wanted?: () => boolean) => Promise<Scored[]>;

/** Who scores a chunk: `now` the lines in focus, `bulk` the sample and the pass in order. */
export interface Scorers {
  now: Score;
  bulk: Score;
}

export interface ScanChunk {
  results: LineResult[];
  /**
   * False for lines scored ahead of the order (in focus): they lack the checks
   * across lines (duplicates, mixed formats) and come again, complete, in order.
   */
  inOrder: boolean;
}

/**
 * `takeFocus` is asked between chunks for lines to score next; it answers each range once.
 * `sample` (1-based lines, ascending) are scored after the focus and before the rest, a chunk
 * at a time, for an early estimate of the dataset's risk.
 */
export async function* scanText(
  doc: ScanDocument,
  score: Scorers,
  cache: LineCache,
  takeFocus: () => LineRange | undefined = () => undefined,
  sample: readonly number[] = [],
): AsyncGenerator<ScanChunk> {
  const checker = new FileChecker();
  let next = 0;
  let sampled = 0;
  /** Lines in focus not scored yet (0-based, end exclusive): a chunk of them at a time, so that a moved focus is followed at once. */
  let ahead = { from: 0, to: 0 };
  while (next < doc.length) {
    const focus = takeFocus();
    if (focus) ahead = { from: focus.first - 1, to: Math.min(doc.length, focus.last, focus.first - 1 + MAX_AHEAD) };
    // Lines the order has passed already have their results.
    const from = Math.max(next, ahead.from);
    if (from < ahead.to) {
      ahead.from = chunkEnd(doc, from, ahead.to);
      const raws = doc.raws(from, ahead.from);
      yield { results: await scoreChunk(raws.map(parseLine), raws, score.now, cache), inOrder: false };
      continue;
    }
    if (sampled < sample.length) {
      // As small as an in-order chunk: an edit's rescan waits for the chunk in flight (16 sampled
      // lines of the bench's file, about 1,500 tokens, held a re-score for seconds).
      const lines: number[] = [];
      for (let bytes = 0; sampled < sample.length && lines.length < CHUNK_LINES && (bytes < CHUNK_BYTES || lines.length === 0); sampled++) {
        const l = sample[sampled];
        if (l - 1 < next || l > doc.length) continue;
        lines.push(l);
        bytes += doc.bytesOf(l - 1);
      }
      const raws = lines.flatMap((l) => doc.raws(l - 1, l));
      if (raws.length > 0) yield { results: await scoreChunk(raws.map(parseLine), raws, score.bulk, cache), inOrder: false };
      continue;
    }
    const slice = doc.raws(next, chunkEnd(doc, next));
    next += slice.length;
    yield { results: await scoreChunk(parseLines(slice, checker), slice, score.bulk, cache), inOrder: true };
  }
}

/** One past the last line of the chunk starting at `from`, at most `limit`. */
function chunkEnd(doc: ScanDocument, from: number, limit = doc.length): number {
  let end = from;
  let bytes = 0;
  while (end < limit && end - from < CHUNK_LINES && (bytes < CHUNK_BYTES || end === from)) bytes += doc.bytesOf(end++);
  return end;
}

async function scoreChunk(parsedLines: ParsedLine[], raws: RawLine[], score: Score, cache: LineCache): Promise<LineResult[]> {
  const lines = parsedLines.map((parsed, j) => ({ parsed, key: parsed.example ? LineCache.key(raws[j].text) : '' }));
  // Misses are scored once per distinct text; the model sees only those.
  const misses = new Map<string, ParsedLine>();
  for (const { parsed, key } of lines) {
    if (parsed.example && !misses.has(key) && !cache.get(key)) misses.set(key, parsed);
  }
  const todo = [...misses.entries()];
  const scored = todo.length > 0 ? await score(todo.map(([, p]) => p.example!)) : [];
  todo.forEach(([key, p], i) => cache.set(key, { line: p.line, scored: scored[i] }));

  return lines.map(({ parsed, key }): LineResult => {
    const { line, format, diagnostics } = parsed;
    if (!parsed.example) return { line, format, result: null, diagnostics, cached: false };
    const hit = cache.get(key)!;
    const extra = hit.line === line ? hit.scored.diagnostics : hit.scored.diagnostics.map((d) => atLine(d, line));
    // Cached: from the line cache, or from the disk cache the CLI shares.
    return { line, format, result: hit.scored.score, diagnostics: [...diagnostics, ...extra], cached: misses.get(key) !== parsed || hit.scored.cached };
  });
}
