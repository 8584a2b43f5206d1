// The on-disk format of a result cache: a header, then records appended one
// after another. Every record carries a CRC32 over its key, length and payload,
// so a reader can prove each record it uses is intact and stop at the first one
// it cannot.
//
//   header  magic "PLRCACHE" (8) | format version u32 LE (4) | sha256(pack hash) (32)
//   record  key (32) | payload length u32 LE (4) | crc32 u32 LE (4) | payload (JSON, UTF-8)
//
// The CRC starts at the key, so a flipped key byte cannot hand one example's
// result to another.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { crc32 } from 'node:zlib'; // Node >= 20.15

const FORMAT_VERSION = 1;
const MAGIC = Buffer.from('PLRCACHE', 'latin1');
export const HEADER_SIZE = MAGIC.length + 4 + 32;
export const RECORD_HEAD = 32 + 4 + 4;

/** Why a cache file could not be trusted (from its first bad byte on). */
export type CacheDamage = 'bad-header' | 'version' | 'pack-hash' | 'truncated' | 'checksum' | 'json' | 'shape';

/** Where a record sits: `offset` of its first byte, `length` of its payload. */
export interface Slot {
  offset: number;
  length: number;
}

export function encodeHeader(packHash: string): Buffer {
  const version = Buffer.alloc(4);
  version.writeUInt32LE(FORMAT_VERSION);
  return Buffer.concat([MAGIC, version, packDigest(packHash)]);
}

/** What is wrong with a header, or null when it is this format's header for this pack. */
export function checkHeader(header: Buffer, packHash: string): CacheDamage | null {
  if (header.length < HEADER_SIZE || !header.subarray(0, MAGIC.length).equals(MAGIC)) return 'bad-header';
  if (header.readUInt32LE(MAGIC.length) !== FORMAT_VERSION) return 'version';
  if (!header.subarray(MAGIC.length + 4, HEADER_SIZE).equals(packDigest(packHash))) return 'pack-hash';
  return null;
}

/** `key` is 64 hex digits (a sha256); `payload` the value's JSON. */
export function encodeRecord(key: string, payload: Buffer): Buffer {
  const record = Buffer.alloc(RECORD_HEAD + payload.length);
  record.write(key, 0, 32, 'hex');
  record.writeUInt32LE(payload.length, 32);
  payload.copy(record, RECORD_HEAD);
  record.writeUInt32LE(recordCrc(record), 36);
  return record;
}

/** A whole record's key and payload, or null when its length or checksum does not hold. */
export function decodeRecord(record: Buffer): { key: string; payload: Buffer } | null {
  if (record.length < RECORD_HEAD || record.length !== RECORD_HEAD + record.readUInt32LE(32)) return null;
  if (recordCrc(record) !== record.readUInt32LE(36)) return null;
  return { key: record.toString('hex', 0, 32), payload: record.subarray(RECORD_HEAD) };
}

/**
 * Indexes the records between `from` and `size` of an open log (later records of a key
 * win). Stops at the first record that is incomplete or fails its checksum, and
 * returns where the intact part ends and, if it stopped early, why.
 */
export function indexRecords(
  fd: number,
  from: number,
  size: number,
  index: Map<string, Slot>,
): { end: number; damage: CacheDamage | null } {
  const window = new ReadWindow(fd, size, size - from);
  let pos = from;
  while (pos < size) {
    const head = window.bytes(pos, RECORD_HEAD);
    const length = head?.readUInt32LE(32) ?? 0;
    const record = head && window.bytes(pos, RECORD_HEAD + length);
    if (!record) return { end: pos, damage: 'truncated' };
    const decoded = decodeRecord(record);
    if (!decoded) return { end: pos, damage: 'checksum' };
    index.set(decoded.key, { offset: pos, length });
    pos += record.length;
  }
  return { end: pos, damage: null };
}

/** Reads `length` bytes at `offset`; fewer when the file ends first. */
export function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  return buf.subarray(0, fs.readSync(fd, buf, 0, length, offset));
}

function recordCrc(record: Buffer): number {
  return crc32(record.subarray(RECORD_HEAD), crc32(record.subarray(0, 36)));
}

/** The header holds a digest, not the hash itself, so any pack-hash string fits in 32 bytes. */
function packDigest(packHash: string): Buffer {
  return createHash('sha256').update(packHash, 'utf8').digest();
}

/**
 * Sequential reads through a buffer of up to 1 MiB, so indexing a large log costs
 * one system call per megabyte and never holds the whole file. A returned slice
 * is valid until the next call.
 */
class ReadWindow {
  private buf: Buffer;
  private start = 0;
  private end = 0;

  constructor(
    private readonly fd: number,
    private readonly size: number,
    expected: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(1 << 20, expected));
  }

  /** Bytes [pos, pos + n), or null when the file (as of `size`) ends first. */
  bytes(pos: number, n: number): Buffer | null {
    if (pos + n > this.size) return null;
    if (pos < this.start || pos + n > this.end) {
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
      const read = fs.readSync(this.fd, this.buf, 0, Math.min(this.buf.length, this.size - pos), pos);
      this.start = pos;
      this.end = pos + read;
      if (read < n) return null;
    }
    return this.buf.subarray(pos - this.start, pos - this.start + n);
  }
}
