// Streams the lines of a JSONL file, plain or gzipped, with flat memory.
// Never throws for bad input: a read or gzip failure becomes a diagnostic on
// the line it cut short, or, when it struck between lines, on an extra entry
// (the next line number, empty text) that exists only to carry it.

import { createReadStream } from 'node:fs';
import { diagnostic } from './codes';
import { GzipDamage, gunzipChunks } from './gunzip';
import { LineSplitter } from './lineSplitter';
import type { RawLine } from './types';

export interface ReadOptions {
  /** Lines longer than this many bytes are reported and skipped (default MAX_LINE_BYTES, 64 MiB). */
  maxLineBytes?: number;
}

/** Read size: large enough that per-chunk overhead vanishes next to splitting and decoding. */
const CHUNK_BYTES = 1 << 20;
/** Bytes split into lines at a time: at most this many lines a batch. */
const SPLIT_BYTES = 1 << 15;

/** Yields every line of `input` (a path or a byte stream), in order, each exactly once. */
export async function* readLines(input: string | NodeJS.ReadableStream, opts: ReadOptions = {}): AsyncGenerator<RawLine> {
  for await (const batch of readLineBatches(input, opts)) yield* batch;
}

/**
 * The same lines, a read chunk's worth at a time: one await per chunk instead of
 * one per line, which is a tenth of the cost of reading when lines are short.
 */
export async function* readLineBatches(
  input: string | NodeJS.ReadableStream,
  opts: ReadOptions = {},
): AsyncGenerator<RawLine[]> {
  const splitter = new LineSplitter(opts.maxLineBytes);
  const chunks = decompressed(bytesOf(input));
  let failure: unknown = null;
  try {
    for (;;) {
      let step: IteratorResult<Buffer>;
      try {
        step = await chunks.next();
      } catch (err) {
        failure = err;
        break;
      }
      if (step.done) break;
      // A megabyte of newlines is a million lines: split in pieces so a batch (and all
      // that is made of it downstream) stays a few tens of thousands of lines.
      for (let at = 0; at < step.value.length; at += SPLIT_BYTES) {
        const lines = splitter.push(step.value.subarray(at, at + SPLIT_BYTES));
        if (lines.length > 0) yield lines;
      }
    }
  } finally {
    await chunks.return(undefined);
  }
  const tail = splitter.end();
  if (failure !== null) {
    const line = tail[0]?.line ?? splitter.nextLine;
    const issue = failureDiagnostic(failure, line, splitter.bytesRead);
    if (tail.length > 0) tail[0].issues.push(issue);
    else tail.push({ line, byteStart: splitter.bytesRead, byteEnd: splitter.bytesRead, text: '', issues: [issue] });
  }
  if (tail.length > 0) yield tail;
}

/** Whether bytes are gzip's, by its magic number (whatever the file is called). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

async function* bytesOf(input: string | NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  const stream = typeof input === 'string' ? createReadStream(input, { highWaterMark: CHUNK_BYTES }) : input;
  for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

/** The bytes of `source`, gunzipped when they start with gzip's magic bytes (whatever the file is called). */
async function* decompressed(source: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  try {
    const head: Buffer[] = [];
    let headBytes = 0;
    while (headBytes < 2) {
      const step = await source.next();
      if (step.done) break;
      head.push(step.value);
      headBytes += step.value.length;
    }
    const all = (async function* () {
      yield* head;
      yield* source;
    })();
    const first = Buffer.concat(head);
    if (!isGzip(first)) yield* all;
    // A read error surfaces from `all` inside gunzipChunks, so one catch meets both kinds of failure.
    else yield* gunzipChunks(all, CHUNK_BYTES);
  } finally {
    // Closes the input when the consumer leaves early.
    await source.return(undefined);
  }
}

function failureDiagnostic(err: unknown, line: number, bytesRead: number) {
  const e = err as NodeJS.ErrnoException;
  const reason = e?.message ?? String(err);
  if (err instanceof GzipDamage) {
    return diagnostic('gzip-corrupt', line, `the gzip stream is truncated or corrupt after ${bytesRead} decompressed bytes: ${reason}`);
  }
  return diagnostic('read-error', line, `reading failed after ${bytesRead} bytes (${reason}); nothing after that could be read`);
}
