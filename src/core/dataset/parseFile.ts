// The whole pipeline for a file: read lines, parse each, add the checks that
// span lines. Yields one ParsedLine per input line, in order, as it streams.

import { FileChecker } from './fileChecker';
import { parseLine } from './parseLine';
import { readLines, type ReadOptions } from './reader';
import type { ParsedLine } from './types';

export async function* parseFile(input: string | NodeJS.ReadableStream, opts?: ReadOptions): AsyncGenerator<ParsedLine> {
  const checker = new FileChecker();
  for await (const raw of readLines(input, opts)) {
    const parsed = parseLine(raw);
    parsed.diagnostics.push(...checker.check(parsed));
    yield parsed;
  }
}
