// Streams parsed lines (in the reader's batches) through a scanner, in chunks,
// yielding one result per input line in input order (so memory stays flat
// however long the file is).

import type { ParsedLine } from '../dataset/types';
import type { Scores } from './scanner';
import type { LineResult } from './types';

/** Lines scored together: large enough to fill batches, small enough to stream. */
const CHUNK = 256;

export async function* scanLines(
  batches: AsyncIterable<ParsedLine[]>,
  scanner: Scores,
  chunk = CHUNK,
): AsyncGenerator<LineResult> {
  let pending: ParsedLine[] = [];
  for await (const batch of batches) {
    for (const parsed of batch) {
      pending.push(parsed);
      if (pending.length >= chunk) {
        yield* scoreChunk(pending, scanner);
        pending = [];
      }
    }
  }
  yield* scoreChunk(pending, scanner);
}

async function* scoreChunk(lines: ParsedLine[], scanner: Scores): AsyncGenerator<LineResult> {
  const withExample = lines.filter((l) => l.example);
  const scored = await scanner.score(withExample.map((l) => l.example!));
  const byLine = new Map(withExample.map((l, i) => [l.line, scored[i]]));
  for (const l of lines) {
    const s = byLine.get(l.line);
    yield {
      line: l.line,
      format: l.format,
      result: s?.score ?? null,
      diagnostics: s ? [...l.diagnostics, ...s.diagnostics] : l.diagnostics,
      cached: s?.cached ?? false,
    };
  }
}
