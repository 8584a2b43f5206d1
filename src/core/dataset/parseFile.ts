// The whole pipeline for a file: read lines, parse each, add the checks that
// span lines. Yields every input line's ParsedLine, in order, as it streams.

import { FileChecker } from './fileChecker';
import { parseLine } from './parseLine';
import { readLineBatches, type ReadOptions } from './reader';
import type { ParsedLine, RawLine } from './types';

/** A read chunk's worth of lines at a time: one await per chunk, not per line. */
export async function* parseFileBatches(input: string | NodeJS.ReadableStream, opts?: ReadOptions): AsyncGenerator<ParsedLine[]> {
  const checker = new FileChecker();
  for await (const raws of readLineBatches(input, opts)) yield parseLines(raws, checker);
}

/** Parses lines in file order, adding the checks across lines that `checker` has seen so far. */
export function parseLines(raws: RawLine[], checker: FileChecker): ParsedLine[] {
  return raws.map((raw) => {
    const parsed = parseLine(raw);
    parsed.diagnostics.push(...checker.check(parsed));
    return parsed;
  });
}
