// One scan of a document's text. Lines are split and parsed exactly as the CLI
// does (same numbering, same diagnostics, the same checks across lines), and
// examples are scored, unchanged lines coming from the line cache. Results come
// a chunk at a time, in input order, so the caller can stream them and stop
// between chunks.

import { atLine, FileChecker, parseLines, splitLines, type ParsedLine } from '../core/dataset';
import type { Scanner } from '../core/score/scanner';
import type { LineResult } from '../core/score/types';
import { LineCache } from './lineCache';

/** Lines per chunk: enough to fill model batches, few enough to stream and cancel promptly. */
const CHUNK = 128;

export async function* scanText(text: string, scanner: Scanner, cache: LineCache, chunk = CHUNK): AsyncGenerator<LineResult[]> {
  const checker = new FileChecker();
  const raws = splitLines(text);
  for (let i = 0; i < raws.length; i += chunk) {
    const slice = raws.slice(i, i + chunk);
    const lines = parseLines(slice, checker).map((parsed, j) => ({ parsed, key: parsed.example ? LineCache.key(slice[j].text) : '' }));
    yield await scoreChunk(lines, scanner, cache);
  }
}

async function scoreChunk(lines: Array<{ parsed: ParsedLine; key: string }>, scanner: Scanner, cache: LineCache): Promise<LineResult[]> {
  // Misses are scored once per distinct text; the model sees only those.
  const misses = new Map<string, ParsedLine>();
  for (const { parsed, key } of lines) {
    if (parsed.example && !misses.has(key) && !cache.get(key)) misses.set(key, parsed);
  }
  const todo = [...misses.entries()];
  const scored = await scanner.score(todo.map(([, p]) => p.example!));
  todo.forEach(([key, p], i) => cache.set(key, { line: p.line, scored: scored[i] }));

  return lines.map(({ parsed, key }): LineResult => {
    const { line, format, diagnostics } = parsed;
    if (!parsed.example) return { line, format, result: null, diagnostics, cached: false };
    const hit = cache.get(key)!;
    const extra = hit.line === line ? hit.scored.diagnostics : hit.scored.diagnostics.map((d) => atLine(d, line));
    return { line, format, result: hit.scored.score, diagnostics: [...diagnostics, ...extra], cached: misses.get(key) !== parsed };
  });
}
