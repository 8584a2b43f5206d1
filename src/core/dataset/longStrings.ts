// Keeps a very long line's JSON strings to their first KEEP_STRING_BYTES as the line streams
// in, so a line of tens of MiB (base64 images, a pasted dump) costs memory for its structure
// and the heads of its strings, not for every byte several times over (bytes, text, parsed
// value). Nothing is lost for scoring: a kept head is at least 174k characters, and the
// scanner reads only the first MAX_EXAMPLE_CHARS (131,072) of an example's model text, so
// whatever a cut string is rendered before is not read anyway. The dropped bytes are still
// checked (string syntax, UTF-8 structure): at the first problem a string stops being cut,
// so JSON.parse and the UTF-8 check see the problem in the kept bytes, and `Cut`s map their
// places back to the line's own columns and bytes. The dropped bytes' digest keeps two lines
// that differ only there from being called duplicates.

import { createHash, type Hash } from 'node:crypto';

/** Raw bytes of one JSON string literal kept, at least: 1 MiB is at least 174,762 characters (six-byte escapes). */
export const KEEP_STRING_BYTES = 1 << 20;

/** Bytes left out of a shortened line at one place. */
export interface Cut {
  /** Offset in the shortened bytes where they were left out. */
  at: number;
  /** How many bytes. */
  bytes: number;
  /** How many UTF-16 units they decode to. */
  units: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ESCAPES = new Set([...'"\\/bfnrtu'].map((c) => c.charCodeAt(0)));

export class StringShortener {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  readonly cuts: Cut[] = [];
  private readonly dropped: Hash = createHash('sha1');
  private inString = false;
  /** Bytes of the current string literal so far. */
  private stringBytes = 0;
  /** The escape being read: its bytes from the backslash on; empty outside one. */
  private escape: number[] = [];
  /** The last whole escape was a high surrogate (\uD800-\uDBFF): no cut before its pair. */
  private afterHighSurrogate = false;
  /** Continuation bytes still expected by the current UTF-8 sequence. */
  private continuation = 0;
  /** The cut being made, while bytes are dropped. */
  private cut: Cut | null = null;

  constructor(private readonly keepBytes = KEEP_STRING_BYTES) {}

  /** Takes the next bytes of the line. The caller may reuse `chunk` afterwards: kept bytes are copied. */
  push(chunk: Uint8Array): void {
    let keepFrom = 0;
    for (let i = 0; i < chunk.length; i++) {
      let b = chunk[i];
      if (!this.inString) {
        if (b === QUOTE) {
          this.inString = true;
          this.stringBytes = 0;
          this.afterHighSurrogate = false;
        }
        continue;
      }
      if (this.escape.length === 0 && this.continuation === 0 && isPlain(b)) {
        // A run of plain ASCII, in one tight loop: most of a long line.
        const start = i;
        while (i + 1 < chunk.length && isPlain(chunk[i + 1])) i++;
        const run = i + 1 - start;
        this.afterHighSurrogate = false;
        if (this.cut) this.cut.units += run;
        else if (this.stringBytes + run > this.keepBytes) {
          // Cut inside the run (plain bytes are all boundaries), at the keepBytes+1-th byte of the string.
          const at = start + Math.max(0, this.keepBytes - this.stringBytes);
          this.keep(chunk, keepFrom, at);
          this.cut = { at: this.keptBytes, bytes: 0, units: i + 1 - at };
          this.cuts.push(this.cut);
          keepFrom = at;
        } else this.stringBytes += run;
        continue;
      }
      b = chunk[i];
      if (b === QUOTE && this.escape.length === 0 && this.continuation === 0) {
        if (this.cut) {
          this.endCut(chunk, keepFrom, i);
          keepFrom = i;
        }
        this.inString = false;
        continue;
      }
      if (!this.cut && ++this.stringBytes > this.keepBytes && this.atBoundary(b)) {
        this.keep(chunk, keepFrom, i);
        this.cut = { at: this.keptBytes, bytes: 0, units: 0 };
        this.cuts.push(this.cut);
        keepFrom = i;
      }
      if (this.step(b)) continue;
      // JSON would reject this byte. When cutting, put back the escape read so far (its bytes
      // were dropped) and keep the rest of this string, so the parser finds the problem.
      if (this.cut) {
        const pending = this.escape.slice(0, -1);
        this.endCut(chunk, keepFrom, i, pending.length);
        this.keep(Buffer.from(pending), 0, pending.length);
        keepFrom = i;
      }
      this.stringBytes = -Infinity;
      this.escape = [];
      this.continuation = 0;
    }
    if (this.cut) this.drop(chunk, keepFrom, chunk.length);
    else this.keep(chunk, keepFrom, chunk.length);
  }

  /** The shortened line, its cuts and the dropped bytes' digest (null when nothing was cut). */
  finish(): { bytes: Buffer; cuts: Cut[]; digest: string | null } {
    return { bytes: Buffer.concat(this.kept, this.keptBytes), cuts: this.cuts, digest: this.cuts.length > 0 ? this.dropped.digest('hex') : null };
  }

  /** Whether a cut may start before byte `b`: not inside an escape, a UTF-8 sequence or a surrogate pair. */
  private atBoundary(b: number): boolean {
    return this.escape.length === 0 && this.continuation === 0 && (b & 0xc0) !== 0x80 && !this.afterHighSurrogate;
  }

  /**
   * Reads one string byte: false when JSON would reject it here. Counts the UTF-16 units of
   * the cut being made.
   */
  private step(b: number): boolean {
    if (this.escape.length > 0) {
      this.escape.push(b);
      if (this.escape.length === 2) {
        if (!ESCAPES.has(b)) return false;
        if (b !== 0x75) {
          this.escape = [];
          this.afterHighSurrogate = false;
          this.units(1);
        }
        return true;
      }
      if (!isHex(b)) return false;
      if (this.escape.length === 6) {
        const value = parseInt(String.fromCharCode(...this.escape.slice(2)), 16);
        this.afterHighSurrogate = value >= 0xd800 && value <= 0xdbff;
        this.escape = [];
        this.units(1);
      }
      return true;
    }
    if (this.continuation > 0) {
      if ((b & 0xc0) !== 0x80) return false;
      this.continuation--;
      return true;
    }
    this.afterHighSurrogate = false;
    if (b === BACKSLASH) {
      this.escape = [b];
      return true;
    }
    if (b < 0x20) return false;
    if (b < 0x80) {
      this.units(1);
      return true;
    }
    if (b >= 0xc2 && b <= 0xdf) this.continuation = 1;
    else if (b >= 0xe0 && b <= 0xef) this.continuation = 2;
    else if (b >= 0xf0 && b <= 0xf4) this.continuation = 3;
    else return false;
    this.units(this.continuation === 3 ? 2 : 1);
    return true;
  }

  private units(n: number): void {
    if (this.cut) this.cut.units += n;
  }

  private keep(chunk: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    this.kept.push(Buffer.from(chunk.subarray(from, to)));
    this.keptBytes += to - from;
  }

  private drop(chunk: Uint8Array, from: number, to: number): void {
    if (to <= from || !this.cut) return;
    this.dropped.update(chunk.subarray(from, to));
    this.cut.bytes += to - from;
  }

  /** Ends the cut before chunk[to]; the last `putBack` dropped bytes are kept after all. */
  private endCut(chunk: Uint8Array, from: number, to: number, putBack = 0): void {
    this.drop(chunk, from, to);
    if (this.cut) this.cut.bytes -= putBack;
    if (this.cut && this.cut.bytes === 0) this.cuts.pop();
    this.cut = null;
  }
}

/** Printable ASCII other than a quote or a backslash: one byte, one unit, nothing to check. */
function isPlain(b: number): boolean {
  return b >= 0x20 && b < 0x80 && b !== QUOTE && b !== BACKSLASH;
}

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}
