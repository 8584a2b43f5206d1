// The scan host's copy of an open document, kept as lines and updated by the
// editor's changes: after an edit the extension sends the change (a few bytes),
// not the document (tens of MB for 100k lines, a stall of 300 ms to copy here).
// Line numbers, texts and byte offsets come out exactly as splitLines would
// give them for the document's text.

import { rawLine, type RawLine } from '../core/dataset';
import type { TextChange } from './protocol';

/** The most lines an edit puts in place with splice (one argument each). */
const MAX_SPLICE = 10_000;

export class WorkerDocument {
  private constructor(
    /** Every line as the editor has it, without line breaks (the last may be empty). */
    private lines: string[],
    /** UTF-8 bytes of each line. */
    private bytes: number[],
    /** Bytes of the document's line break (1 for LF, 2 for CRLF). */
    private readonly eolBytes: number,
  ) {}

  static fromText(text: string): WorkerDocument {
    const lines = text.split(/\r?\n/);
    return new WorkerDocument(lines, lines.map((l) => Buffer.byteLength(l)), text.includes('\r\n') ? 2 : 1);
  }

  /** Applies the editor's changes, each relative to the document the previous one left. */
  apply(changes: readonly TextChange[]): void {
    for (const { start, end, text } of changes) {
      const joined = this.lines[start.line].slice(0, start.character) + text + this.lines[end.line].slice(end.character);
      const replaced = joined.split(/\r?\n/);
      const bytes = replaced.map((l) => Buffer.byteLength(l));
      const removed = end.line - start.line + 1;
      // In place for a typed edit (rebuilding 100k-line arrays took 60 ms); a paste
      // of many lines is rebuilt, as splice would take one argument per line.
      if (replaced.length <= MAX_SPLICE) {
        this.lines.splice(start.line, removed, ...replaced);
        this.bytes.splice(start.line, removed, ...bytes);
      } else {
        this.lines = this.lines.slice(0, start.line).concat(replaced, this.lines.slice(end.line + 1));
        this.bytes = this.bytes.slice(0, start.line).concat(bytes, this.bytes.slice(end.line + 1));
      }
    }
  }

  get lineCount(): number {
    return this.lines.length;
  }

  /** The document as it is now, unaffected by later changes. */
  snapshot(): DocumentSnapshot {
    return new DocumentSnapshot(this.lines.slice(), this.bytes.slice(), this.eolBytes);
  }
}

export class DocumentSnapshot {
  /** Lines a scan reads: an empty last line (after a final line break) is no line. */
  readonly length: number;
  /** Where the last `raws` ended: a line index and its byte offset. */
  private last = { index: 0, offset: 0 };

  constructor(
    private readonly lines: string[],
    private readonly bytes: number[],
    private readonly eolBytes: number,
  ) {
    this.length = lines.length > 0 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  }

  /** Lines `from` to `to` (0-based, end exclusive) as the reader would make them. */
  raws(from: number, to: number): RawLine[] {
    // Scans read on from where they were: the offset is counted on from the last call's end when it can be.
    let { index, offset } = from >= this.last.index ? this.last : { index: 0, offset: 0 };
    for (; index < from; index++) offset += this.bytes[index] + this.eolBytes;
    const out: RawLine[] = [];
    for (; index < to; index++) {
      out.push(rawLine(index + 1, this.lines[index], offset));
      offset += this.bytes[index] + this.eolBytes;
    }
    this.last = { index, offset };
    return out;
  }

  /** Characters of line `i` (0-based). */
  chars(i: number): number {
    return this.lines[i].length;
  }
}
