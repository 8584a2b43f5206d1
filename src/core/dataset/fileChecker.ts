// Checks that need more than one line, done while streaming: a file should
// hold one format, and an example should not repeat. Memory stays small: 12
// bytes of table per example (a 64-bit digest and a line number), never the texts.

import { hash } from 'node:crypto';
import { diagnostic } from './codes';
import type { Diagnostic, Example, FormatId, ParsedLine } from './types';

export class FileChecker {
  /** The first line whose format was recognised fixes the file's format. */
  private first: { line: number; format: FormatId } | null = null;
  /** Example digest -> the line it was first seen on. */
  private seen = new DigestTable();

  /** Diagnostics for `parsed`, given every line checked before it. */
  check(parsed: ParsedLine): Diagnostic[] {
    const out: Diagnostic[] = [];
    const { line, format, example } = parsed;
    if (format !== null && format !== 'unknown') {
      if (!this.first) this.first = { line, format };
      else if (format !== this.first.format) {
        out.push(diagnostic('mixed-formats', line, `the line is ${format}, but line ${this.first.line} made the file ${this.first.format}`));
      }
    }
    if (example) {
      const earlier = this.seen.addOrGet(exampleDigest(example), line);
      if (earlier !== undefined) out.push(diagnostic('duplicate', line, `the same example as line ${earlier}`));
    }
    return out;
  }
}

/**
 * 64-bit digest of what training sees: roles, trained flags and texts, whatever
 * the format or JSON spelling. SHA-1 because it is the fastest digest here
 * (hardware-accelerated) and nobody is attacking a dedupe; 64 bits make a false
 * duplicate among a million examples a one-in-ten-million event.
 */
function exampleDigest(example: Example): Buffer {
  // Length-prefixed, so no content can imitate a message boundary.
  const parts: string[] = [];
  const add = (label: string, messages: Example['messages']) => {
    parts.push(label);
    for (const m of messages) parts.push(`${m.role}:${m.trained ? 1 : 0}:${m.content.length}:`, m.content);
  };
  add('messages', example.messages);
  if (example.rejected) add('rejected', example.rejected);
  if (example.unread) parts.push('unread', example.unread);
  return hash('sha1', parts.join(''), 'buffer');
}

/** Open-addressing set of 64-bit digests, each with the line it was first seen on. */
class DigestTable {
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  /** 0 = empty slot; line numbers start at 1. */
  private lines = new Int32Array(1024);
  private size = 0;

  /** Adds the digest with `line`, or returns the line it was added with before. */
  addOrGet(digest: Buffer, line: number): number | undefined {
    const hi = digest.readUInt32LE(0);
    const lo = digest.readUInt32LE(4);
    const slot = this.find(hi, lo);
    if (this.lines[slot] !== 0) return this.lines[slot];
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.lines[slot] = line;
    if (++this.size * 2 > this.lines.length) this.grow();
    return undefined;
  }

  private find(hi: number, lo: number): number {
    const mask = this.lines.length - 1;
    let slot = lo & mask;
    while (this.lines[slot] !== 0 && (this.hi[slot] !== hi || this.lo[slot] !== lo)) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const { hi, lo, lines } = this;
    this.hi = new Uint32Array(lines.length * 2);
    this.lo = new Uint32Array(lines.length * 2);
    this.lines = new Int32Array(lines.length * 2);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === 0) continue;
      const slot = this.find(hi[i], lo[i]);
      this.hi[slot] = hi[i];
      this.lo[slot] = lo[i];
      this.lines[slot] = lines[i];
    }
  }
}
