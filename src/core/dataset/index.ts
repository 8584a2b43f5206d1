// The dataset layer: JSONL bytes -> lines -> parsed, validated, normalised examples.
//
//   reader.ts / lineSplitter.ts  bytes (plain or gzip) -> RawLine, exact line numbers and offsets
//     gunzip.ts                  gzip members, keeping every intact byte before damage
//   parseLine.ts                 RawLine -> ParsedLine (JSON, format, example, diagnostics)
//     formats.ts, chatMessages.ts  format detection and normalisation, shape checks
//     validate.ts                  conversation checks common to all formats
//     jsonSpans.ts, jsonSyntax.ts  positions in the line (sources, diagnostics, syntax errors)
//   fileChecker.ts               checks across lines (mixed formats, duplicates)
//   parseFile.ts                 all of the above for a file
//   codes.ts                     every diagnostic code
//   render.ts                    example -> model text (for the scanner)

export { atLine, CODES, diagnostic, tooLongDiagnostic, type CodeInfo, type CodeName } from './codes';
export { FileChecker } from './fileChecker';
export { gunzipBytes } from './gunzip';
export { detectFormat } from './formats';
export { formatPath, locateValues, mapDecodedIndex, stringSource, type JsonPath } from './jsonSpans';
export { MAX_LINE_BYTES, rawLine, splitLines } from './lineSplitter';
export { parseFileBatches, parseLines } from './parseFile';
export { parseLine } from './parseLine';
export { isGzip, readLineBatches, readLines, type ReadOptions } from './reader';
export * from './types';
