// The scan host's copy of an open document, kept as lines and updated by the
// editor's changes: after an edit the extension sends the change (a few bytes),
// not the document (tens of MB for 100k lines, a stall of 300 ms to copy here).
// Line numbers, texts and byte offsets come out exactly as splitLines would
// give them for the document's text.
//
// A document read from its saved file keeps the file's bytes and decodes a line
// when it is read: a 38 MB file is ready once its line breaks are found (the
// whole text decoded and split took 190 ms more, on a machine where fresh memory
// is slow to touch).

import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { rawLine, type RawLine } from '../core/dataset';
import type { SavedFile, TextChange } from './protocol';

/** A lone CR breaks a line too, as in the editor (which makes every line break alike). */
const LINE_BREAK = /\r\n|\r|\n/;
/** The most lines an edit puts in place with splice (one argument each). */
const MAX_SPLICE = 10_000;

/** The bytes read from a saved file's start for the lines on screen (see UnreadFile). */
const START_BYTES = 1 << 20;

/** A line's text, or where its UTF-8 bytes start in the file read (decoded when read). */
type Line = string | number;

/** Line `i`'s text. */
function textOf(lines: readonly Line[], bytes: readonly number[], file: Buffer | null, i: number): string {
  const line = lines[i];
  return typeof line === 'string' ? line : file!.toString('utf8', line, line + bytes[i]);
}

export class WorkerDocument {
  private constructor(
    /** Every line as the editor has it, without line breaks (the last may be empty). */
    private lines: Line[],
    /** UTF-8 bytes of each line. */
    private bytes: number[],
    /** Bytes of the document's line break (1 for LF, 2 for CRLF). */
    private readonly eolBytes: number,
    /** The saved file's bytes, for the lines not edited since it was read. */
    private readonly file: Buffer | null = null,
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
    let data: Buffer;
    try {
      data = readFileSync(file.path);
    } catch {
      return null;
    }
    const doc = WorkerDocument.fromBytes(data);
    const agrees = doc.lines.length === file.lineCount && file.lines.every(([i, line]) => doc.text(i) === line);
    return agrees ? doc : null;
  }

  /** The lines of UTF-8 `data`, found by their breaks (LF, CRLF or a lone CR); a byte-order mark dropped. */
  static fromBytes(data: Buffer): WorkerDocument {
    const starts: number[] = [];
    const bytes: number[] = [];
    let eolBytes = 1;
    let start = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
    // The next CR, searched for again only once passed (a file without any is searched once).
    let cr = data.indexOf(13, start);
    for (;;) {
      if (cr !== -1 && cr < start) cr = data.indexOf(13, start);
      const lf = data.indexOf(10, start);
      const end = cr !== -1 && (lf === -1 || cr < lf) ? cr : lf;
      starts.push(start);
      if (end === -1) {
        bytes.push(data.length - start);
        break;
      }
      bytes.push(end - start);
      if (end === cr && data[cr + 1] === 10) {
        eolBytes = 2;
        start = cr + 2;
      } else start = end + 1;
    }
    return new WorkerDocument(starts, bytes, eolBytes, data);
  }

  /** Applies the editor's changes, each relative to the document the previous one left. */
  apply(changes: readonly TextChange[]): void {
    for (const { start, end, text } of changes) {
      const joined = this.text(start.line).slice(0, start.character) + text + this.text(end.line).slice(end.character);
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
    return new DocumentSnapshot(this.lines.slice(), this.bytes.slice(), this.eolBytes, this.file);
  }

  /** Line `i`'s text (0-based). */
  text(i: number): string {
    return textOf(this.lines, this.bytes, this.file, i);
  }
}

/** What a scan reads of a document. */
export interface ScanDocument {
  /** Lines a scan reads: an empty last line (after a final line break) is no line. */
  readonly length: number;
  /** Lines `from` to `to` (0-based, end exclusive) as the reader would make them. */
  raws(from: number, to: number): RawLine[];
  /** UTF-8 bytes of line `i` (0-based). */
  bytesOf(i: number): number;
}

/** A scan's saved file turned out not to be what the editor has. */
export class FileDiffers extends Error {
  constructor() {
    super('the saved file is not what the editor has');
  }
}

/**
 * A saved file the scan host has not read yet (a 38 MB file took 0.2 to 2 s to
 * read while VS Code was busy loading it too). A scan reads the lines the
 * editor sent from the file's first MiB, checked against the editor's (the
 * lines on screen come first), and the whole file only when it needs others.
 */
export class UnreadFile {
  /** The whole file as read (for scans) and the document edits apply to; null: not what the editor has. */
  private whole?: { read: DocumentSnapshot; doc: WorkerDocument } | null;
  /** The file's first MiB, and the lines of it that agree with the editor's. */
  private start?: { read: DocumentSnapshot; checked: Set<number> };

  constructor(private readonly file: SavedFile) {}

  /** The document, the whole file read now if it was not yet; null when it is not what the editor has. */
  read(): WorkerDocument | null {
    return this.readWhole()?.doc ?? null;
  }

  /** The file as a scan sees it (see the class comment): reads that need the whole file throw FileDiffers when it differs. */
  snapshot(): ScanDocument {
    const last = this.file.lines.find(([i]) => i === this.file.lineCount - 1);
    // The editor's line count, when it sent its last line (the file must agree).
    return new UnreadSnapshot(this, last && this.file.lineCount - (last[1] === '' ? 1 : 0));
  }

  /** What has lines `first` to `end` (0-based, end exclusive): the file's first MiB when it has them all, checked, else the whole file. */
  linesFor(first: number, end: number): DocumentSnapshot {
    const start = this.readStart();
    for (let i = first; i < end; i++) if (!start.checked.has(i)) return this.wholeRead();
    return start.read;
  }

  /** The whole file as read; throws FileDiffers when it is not what the editor has. */
  wholeRead(): DocumentSnapshot {
    const read = this.readWhole()?.read;
    if (!read) throw new FileDiffers();
    return read;
  }

  private readWhole(): { read: DocumentSnapshot; doc: WorkerDocument } | null {
    if (this.whole === undefined) {
      const doc = WorkerDocument.fromFile(this.file);
      // Scans see the file as read; edits change the document only.
      this.whole = doc && { read: doc.snapshot(), doc };
    }
    return this.whole;
  }

  private readStart(): { read: DocumentSnapshot; checked: Set<number> } {
    if (this.start) return this.start;
    let data: Buffer = Buffer.alloc(0);
    try {
      data = readStart(this.file.path, START_BYTES);
    } catch {
      // Unreadable: the whole read finds that out.
    }
    const doc = WorkerDocument.fromBytes(data);
    // The last line read may go on past what was read (unless that is the whole file).
    const complete = data.length < START_BYTES ? doc.lineCount : doc.lineCount - 1;
    const sent = this.file.lines.filter(([i]) => i < complete);
    const agree = data.length > 0 && sent.every(([i, text]) => doc.text(i) === text);
    this.start = { read: doc.snapshot(), checked: new Set(agree ? sent.map(([i]) => i) : []) };
    return this.start;
  }
}

/** A scan's view of an UnreadFile. */
class UnreadSnapshot implements ScanDocument {
  constructor(
    private readonly file: UnreadFile,
    private readonly editorLength?: number,
  ) {}

  get length(): number {
    return this.editorLength ?? this.file.wholeRead().length;
  }

  raws(from: number, to: number): RawLine[] {
    return this.file.linesFor(from, to).raws(from, to);
  }

  bytesOf(i: number): number {
    return this.file.linesFor(i, i + 1).bytesOf(i);
  }
}

/** Up to `max` bytes from the start of the file at `path`. */
function readStart(path: string, max: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(max);
    return buffer.subarray(0, readSync(fd, buffer, 0, max, 0));
  } finally {
    closeSync(fd);
  }
}

export class DocumentSnapshot implements ScanDocument {
  readonly length: number;
  /** Where the last `raws` ended: a line index and its byte offset. */
  private last = { index: 0, offset: 0 };

  constructor(
    private readonly lines: Line[],
    private readonly bytes: number[],
    private readonly eolBytes: number,
    private readonly file: Buffer | null,
  ) {
    this.length = lines.length > 0 && bytes[lines.length - 1] === 0 ? lines.length - 1 : lines.length;
  }

  raws(from: number, to: number): RawLine[] {
    // Scans read on from where they were: the offset is counted on from the last call's end when it can be.
    let { index, offset } = from >= this.last.index ? this.last : { index: 0, offset: 0 };
    for (; index < from; index++) offset += this.bytes[index] + this.eolBytes;
    const out: RawLine[] = [];
    for (; index < to; index++) {
      out.push(rawLine(index + 1, textOf(this.lines, this.bytes, this.file, index), offset));
      offset += this.bytes[index] + this.eolBytes;
    }
    this.last = { index, offset };
    return out;
  }

  bytesOf(i: number): number {
    return this.bytes[i];
  }
}
