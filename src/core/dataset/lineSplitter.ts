// Turns bytes into RawLines: exact 1-based line numbers and byte offsets, UTF-8
// decoding with diagnostics, and bounded memory however long a line is.
// Synchronous and chunk-driven, so the streaming reader and the in-memory
// `splitLines` share one definition of what a line is.
//
// A line ends at `\n`; one `\r` before it is dropped (CRLF and LF may mix). A
// lone `\r` elsewhere stays in the text (JSON reads it as whitespace). A final
// line without `\n` counts; the empty remainder after a final `\n` does not. A
// UTF-8 BOM starting a line is not part of the line: byteStart points past it.

import { isUtf8 } from 'node:buffer';
import { diagnostic } from './codes';
import { StringShortener, type Cut } from './longStrings';
import type { Diagnostic, RawLine, Shortened } from './types';

/** Longest line kept, in bytes: longer lines are reported (PL003) and skipped, never buffered. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
/**
 * A line past this many bytes has its strings kept to their heads as it streams in
 * (longStrings.ts). A 45 MiB line took 506 MiB of RSS with the embedded pack, 265 MiB over
 * its floor, and aborted V8 at 50 MiB before the scanner limited what it reads.
 */
export const SHORTEN_FROM = 4 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private line = 1;
  /** Stream offset of the next byte to be pushed. */
  private offset = 0;
  /** Stream offset of the current line's first byte. */
  private lineStart = 0;
  /** The current line's bytes so far, when it spans chunks. */
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** The current line outgrew the limit: its bytes are counted, not kept. */
  private skipping = false;
  /** The last byte pushed, to see a `\r` that ended the previous chunk. */
  private lastByte = -1;
  /** Takes the current line's bytes instead of `parts` once it is past shortenFrom. */
  private shortener: StringShortener | null = null;

  constructor(
    private readonly maxLineBytes = MAX_LINE_BYTES,
    private readonly shortenFrom = SHORTEN_FROM,
  ) {}

  /** The number the next line will get. */
  get nextLine(): number {
    return this.line;
  }

  /** Bytes pushed so far. */
  get bytesRead(): number {
    return this.offset;
  }

  /** Splits off every line that `chunk` completes. */
  push(chunk: Buffer): RawLine[] {
    const out: RawLine[] = [];
    let pos = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, pos)) {
      out.push(this.complete(chunk, pos, nl));
      pos = nl + 1;
      this.lineStart = this.offset + pos;
    }
    this.hold(chunk, pos);
    this.offset += chunk.length;
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
    return out;
  }

  /** The last line, when the input did not end with `\n`. */
  end(): RawLine[] {
    if (this.lineStart === this.offset) return [];
    const last = this.complete(Buffer.alloc(0), 0, 0);
    this.lineStart = this.offset;
    return [last];
  }

  /** Keeps chunk[from..] as the start of an unfinished line, or starts skipping it. */
  private hold(chunk: Buffer, from: number): void {
    if (from === chunk.length) return;
    // One byte of slack: a CR ending the held bytes is not part of the line.
    if (!this.skipping && this.partBytes + chunk.length - from > this.maxLineBytes + 1) {
      this.skipping = true;
      this.parts = [];
      this.shortener = null;
    }
    if (!this.skipping) this.parts.push(chunk.subarray(from));
    this.partBytes += chunk.length - from;
    if (!this.skipping && this.partBytes > this.shortenFrom) this.startShortening();
  }

  /** From now on the current line's bytes go through a StringShortener, the held ones first. */
  private startShortening(): void {
    this.shortener ??= new StringShortener();
    for (const part of this.parts) this.shortener.push(part);
    this.parts = [];
  }

  /** The line made of the held parts plus chunk[from..to), `to` being its `\n` (or the end). */
  private complete(chunk: Buffer, from: number, to: number): RawLine {
    const endsWithCr = (to > from ? chunk[to - 1] : this.lastByte) === CR && this.partBytes + to - from > 0;
    const length = this.partBytes + to - from - (endsWithCr ? 1 : 0);
    if (this.skipping || length > this.maxLineBytes) return this.skipped(length);
    let bytes = chunk;
    if (!this.shortener && length > this.shortenFrom) this.startShortening();
    if (this.shortener) {
      this.shortener.push(chunk.subarray(from, to));
      const short = this.shortener.finish();
      this.shortener = null;
      this.parts = [];
      this.partBytes = 0;
      return this.decode(short.bytes, 0, short.bytes.length, short.digest ? { cuts: short.cuts, digest: short.digest } : undefined);
    }
    if (this.parts.length > 0) {
      bytes = Buffer.concat([...this.parts, chunk.subarray(from, to)]);
      from = 0;
      to = bytes.length;
      this.parts = [];
      this.partBytes = 0;
    }
    return this.decode(bytes, from, to);
  }

  /** The line in bytes[from, to); with `short`, bytes are a shortened line and its cuts. */
  private decode(bytes: Buffer, from: number, to: number, short?: { cuts: Cut[]; digest: string }): RawLine {
    const line = this.line++;
    const issues: Diagnostic[] = [];
    let byteStart = this.lineStart;
    if (to > from && bytes[to - 1] === CR) to--;
    if (to - from >= 3 && bytes[from] === 0xef && bytes[from + 1] === 0xbb && bytes[from + 2] === 0xbf) {
      if (byteStart > 0) issues.push(diagnostic('bom-in-middle', line, `a UTF-8 byte-order mark starts the line (files concatenated?); it was stripped`, { start: 0, end: 0 }));
      from += 3;
      byteStart += 3;
    }
    const text = bytes.toString('utf8', from, to);
    const droppedBytes = short ? short.cuts.reduce((n, c) => n + c.bytes, 0) : 0;
    // A byte offset in the shortened bytes, as an offset in the line's own.
    const lineByte = (at: number) => at + (short ? short.cuts.filter((c) => c.at - from <= at).reduce((n, c) => n + c.bytes, 0) : 0);
    if (!isUtf8(bytes.subarray(from, to))) issues.push(invalidUtf8(line, byteStart, bytes.subarray(from, to), text, lineByte));
    const raw: RawLine = { line, byteStart, byteEnd: byteStart + to - from + droppedBytes, text, issues };
    if (short) raw.shortened = shortenedText(bytes, from, short.cuts, droppedBytes, short.digest);
    return raw;
  }

  private skipped(length: number): RawLine {
    const line = this.line++;
    this.skipping = false;
    this.parts = [];
    this.partBytes = 0;
    const issue = diagnostic('line-too-large', line, `the line is ${length} bytes, over the reader's limit of ${this.maxLineBytes}; it was skipped`);
    return { line, byteStart: this.lineStart, byteEnd: this.lineStart + length, text: '', issues: [issue] };
  }
}

/**
 * Names the first invalid byte. Runs only on invalid lines: every U+FFFD in the
 * text is either a genuine EF BF BD in the source or a replacement, and all
 * bytes before the first replacement are valid, so their length is exact.
 */
function invalidUtf8(line: number, byteStart: number, bytes: Buffer, text: string, lineByte: (at: number) => number): Diagnostic {
  let at = 0;
  let decoded = 0;
  let col = text.indexOf('\uFFFD');
  while (col !== -1) {
    at += Buffer.byteLength(text.slice(decoded, col));
    decoded = col;
    if (!(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) break;
    at += 3;
    decoded += 1;
    col = text.indexOf('\uFFFD', decoded);
  }
  at = lineByte(at);
  return diagnostic(
    'invalid-utf8',
    line,
    `invalid UTF-8 at byte ${byteStart + at} of the file (byte ${at} of the line); decoded as U+FFFD`,
    col === -1 ? undefined : { start: col, end: col + 1 },
  );
}

/** The cuts of a shortened line's bytes (from `from` on) in its text's UTF-16 units. */
function shortenedText(bytes: Buffer, from: number, cuts: Cut[], droppedBytes: number, digest: string): Shortened {
  let units = 0;
  let at = from;
  const out: Shortened['cuts'] = [];
  for (const c of cuts) {
    units += bytes.toString('utf8', at, c.at).length;
    at = c.at;
    out.push({ at: units, units: c.units });
  }
  return { cuts: out, bytes: droppedBytes, digest };
}

/**
 * The lines of an in-memory text, numbered and measured exactly as the reader
 * would number and measure its UTF-8 bytes, without encoding the text.
 */
export function splitLines(text: string): RawLine[] {
  const out: RawLine[] = [];
  let pos = 0;
  let offset = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    const contentEnd = end > pos && text.charCodeAt(end - 1) === CR ? end - 1 : end;
    const raw = rawLine(out.length + 1, text.slice(pos, contentEnd), offset);
    out.push(raw);
    offset = raw.byteEnd + (end - contentEnd) + (nl === -1 ? 0 : 1);
    pos = end + 1;
  }
  return out;
}

/**
 * A line of text (no line break) at `byteStart`, as the reader would make it
 * from its UTF-8 bytes: a leading BOM stripped (and reported past the file's
 * start), a lone surrogate (no UTF-8 form) read as U+FFFD.
 */
export function rawLine(line: number, text: string, byteStart: number): RawLine {
  const issues: Diagnostic[] = [];
  if (text.charCodeAt(0) === BOM) {
    if (byteStart > 0) issues.push(diagnostic('bom-in-middle', line, `a UTF-8 byte-order mark starts the line (files concatenated?); it was stripped`, { start: 0, end: 0 }));
    text = text.slice(1);
    byteStart += 3;
  }
  if (!isWellFormed(text)) text = Buffer.from(text, 'utf8').toString('utf8');
  return { line, byteStart, byteEnd: byteStart + Buffer.byteLength(text), text, issues };
}

const BOM = 0xfeff;

/** String.prototype.isWellFormed (Node 20; not in TypeScript's ES2022 library). */
function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}
