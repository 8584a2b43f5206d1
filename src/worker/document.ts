// The scan host's copy of an open document, kept as lines and updated by the
// editor's changes: after an edit the extension sends the change (a few bytes),
// not the document (tens of MB for 100k lines, a stall of 300 ms to copy here).
// Line numbers, texts and byte offsets come out exactly as splitLines would
// give them for the document's text.

import { readFileSync } from 'node:fs';
import { rawLine, type RawLine } from '../core/dataset';
import type { LineRange, SavedFile, TextChange } from './protocol';

/** A lone CR breaks a line too, as in the editor (which makes every line break alike). */
const LINE_BREAK = /\r\n|\r|\n/;
/** The most lines an edit puts in place with splice (one argument each). */
const MAX_SPLICE = 10_000;

/** Lines a saved file is checked by besides those on screen, spread over the document. */
const SPREAD = 64;

/** 0-based lines to check a saved file by (see fromFile): those on screen, the first, the last and SPREAD more spread evenly. */
export function checkedLines(lineCount: number, onScreen?: LineRange): number[] {
  const lines = new Set<number>([0, lineCount - 1]);
  for (let k = 1; k <= SPREAD; k++) lines.add(Math.floor((k * (lineCount - 1)) / (SPREAD + 1)));
  if (onScreen) for (let line = onScreen.first; line <= Math.min(onScreen.last, lineCount); line++) lines.add(line - 1);
  return [...lines].sort((a, b) => a - b);
}

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
    const lines = text.split(LINE_BREAK);
    return new WorkerDocument(lines, lines.map((l) => Buffer.byteLength(l)), text.includes('\r\n') ? 2 : 1);
  }

  /**
   * The saved file as the editor shows it (UTF-8, without a byte-order mark), or
   * null when it is not what the editor has: unreadable, or a line count or one
   * of the editor's lines differs (edited on disk since, another encoding).
   */
  static fromFile(file: SavedFile): WorkerDocument | null {
    let text: string;
    try {
      text = readFileSync(file.path, 'utf8');
    } catch {
      return null;
    }
    const doc = WorkerDocument.fromText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    const agrees = doc.lines.length === file.lineCount && file.lines.every(([i, line]) => doc.lines[i] === line);
    return agrees ? doc : null;
  }

  /** Applies the editor's changes, each relative to the document the previous one left. */
  apply(changes: readonly TextChange[]): void {
    for (const { start, end, text } of changes) {
      const joined = this.lines[start.line].slice(0, start.character) + text + this.lines[end.line].slice(end.character);
      const replaced = joined.split(LINE_BREAK);
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
