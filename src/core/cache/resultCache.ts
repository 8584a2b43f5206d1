// Scan results kept on disk, keyed by (pack hash, example hash), so a rescan of
// an unchanged example costs a lookup instead of a model run.
//
// Layout: `<root>/<pack hash>/results.log`, an append-only record log (format in
// recordLog.ts). Opening indexes the log (key -> offset) without parsing any
// JSON; values are read back one record at a time.
//
// Concurrency: several runs may use the same cache at once, without a lock.
// - Each flush is one write() on a file opened with O_APPEND, so batches of two
//   runs never interleave.
// - Bytes of a log file are never rewritten. Repair writes a new file beside it
//   and renames it over the old one; a run still holding the old file keeps a
//   consistent view, and notices the swap before its next flush.
// - Every value is checked again (key and CRC) when it is read.
// - Opening while another run is mid-write finds a cut-short last record; it
//   waits up to 50 ms for the record to complete before calling it damage.
// The cost of no lock: a repair drops whatever other runs append between its
// scan and its rename. Losing cache entries is allowed; returning a wrong one never is.
//
// Damage handling: a bad header (magic, version, pack hash) discards the file
// and starts fresh; a bad record keeps the records before it (each one proved
// intact by its CRC) and drops it and everything after. Either way `onNotice`
// says so.

import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  checkHeader,
  decodeRecord,
  encodeHeader,
  encodeRecord,
  HEADER_SIZE,
  indexRecords,
  readAt,
  RECORD_HEAD,
  type CacheDamage,
  type Slot,
} from './recordLog';

export type { CacheDamage } from './recordLog';

export type CacheNotice =
  | { kind: 'rebuilt'; damage: CacheDamage; file: string; kept: number; message: string }
  | { kind: 'write-failed'; file: string; message: string };

export interface CacheStats {
  hits: number;
  misses: number;
  /** Distinct keys stored, flushed or not. */
  entries: number;
  /** Size of the log, counting records not yet flushed. */
  bytes: number;
}

export interface ResultCacheOptions {
  /** The cache root; one folder per pack hash is made under it. */
  root: string;
  /** Letters, digits, `-` and `_` (it names a folder). */
  packHash: string;
  /** Told about every rebuild and write failure, for a one-line message. */
  onNotice?: (notice: CacheNotice) => void;
  /** Unflushed bytes that trigger a flush (default 256 KiB). */
  flushBytes?: number;
  /**
   * Checks a stored value's shape: a record that passes its CRC but not this (written by
   * another version, or by hand) is damage like any other, dropped and rebuilt.
   */
  validate?: (value: unknown) => boolean;
}

const KEY = /^[0-9a-f]{64}$/;
/** How long opening waits for a cut-short last record to be completed by another run. */
const TAIL_WAIT_MS = 50;

/** A cache key: sha256 over the parts, each prefixed by its UTF-8 length, so ["ab","c"] != ["a","bc"]. */
export function exampleHash(parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length);
    hash.update(length).update(bytes);
  }
  return hash.digest('hex');
}

export class ResultCache<T> {
  readonly file: string;
  private fd = -1;
  /** Bytes of the log that are indexed: everything before is proved intact. */
  private end = 0;
  private readonly index = new Map<string, Slot>();
  /** Encoded records not yet written, by key. */
  private readonly pending = new Map<string, Buffer>();
  private pendingBytes = 0;
  /** False after a write failed: the run goes on without storing. */
  private writable = true;
  private hits = 0;
  private misses = 0;

  private constructor(private readonly opts: ResultCacheOptions) {
    this.file = path.join(opts.root, opts.packHash, 'results.log');
  }

  /** Opens (creating, or repairing, as needed) the cache of one pack. Throws on I/O errors. */
  static open<T>(opts: ResultCacheOptions): ResultCache<T> {
    if (!/^[\w-]{1,128}$/.test(opts.packHash)) throw new Error(`invalid pack hash for the cache: "${opts.packHash}"`);
    const cache = new ResultCache<T>(opts);
    fs.mkdirSync(path.dirname(cache.file), { recursive: true });
    cache.load();
    return cache;
  }

  has(key: string): boolean {
    checkKey(key);
    this.assertOpen();
    return this.pending.has(key) || this.index.has(key);
  }

  /** The stored value, or undefined; a record that fails its checks is never returned. */
  get(key: string): T | undefined {
    const value = this.lookup(checkKey(key));
    if (value === undefined) this.misses++;
    else this.hits++;
    return value;
  }

  /** Stores a value (the latest set of a key wins); it reaches the disk at the next flush. */
  set(key: string, value: T): void {
    checkKey(key);
    this.assertOpen();
    if (!this.writable) return;
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError('cache values must be JSON-able');
    const record = encodeRecord(key, Buffer.from(json, 'utf8'));
    this.pendingBytes += record.length - (this.pending.get(key)?.length ?? 0);
    this.pending.set(key, record);
    if (this.pendingBytes >= (this.opts.flushBytes ?? 256 * 1024)) this.flush();
  }

  /** Writes the pending records as one append. */
  flush(): void {
    this.assertOpen();
    if (this.pending.size === 0 || !this.writable) return;
    const batch = Buffer.concat([...this.pending.values()]);
    try {
      if (!this.isCurrentFile()) this.load();
      const written = fs.writeSync(this.fd, batch);
      if (written !== batch.length) throw new Error(`short write (${written} of ${batch.length} bytes)`);
    } catch (err) {
      this.writable = false;
      const message = `result cache ${this.file}: could not write (${(err as Error).message}); going on without storing results`;
      this.opts.onNotice?.({ kind: 'write-failed', file: this.file, message });
    }
    this.pending.clear();
    this.pendingBytes = 0;
    // Index what was appended since the last look: this batch and other runs' records.
    // A record still being written by another run stops it; the next flush retries.
    if (this.writable) this.end = indexRecords(this.fd, this.end, fs.fstatSync(this.fd).size, this.index).end;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  stats(): CacheStats {
    let entries = this.index.size;
    for (const key of this.pending.keys()) if (!this.index.has(key)) entries++;
    return { hits: this.hits, misses: this.misses, entries, bytes: this.end + this.pendingBytes };
  }

  private lookup(key: string): T | undefined {
    this.assertOpen();
    const pending = this.pending.get(key);
    if (pending) return JSON.parse(pending.toString('utf8', RECORD_HEAD)) as T;
    const slot = this.index.get(key);
    if (!slot) return undefined;
    const decoded = decodeRecord(readAt(this.fd, slot.offset, RECORD_HEAD + slot.length));
    if (decoded?.key === key) {
      let value: unknown;
      try {
        value = JSON.parse(decoded.payload.toString('utf8'));
      } catch {
        this.repair('json', slot.offset);
        return undefined;
      }
      if (this.opts.validate && !this.opts.validate(value)) {
        this.repair('shape', slot.offset);
        return undefined;
      }
      return value as T;
    }
    this.repair('checksum', slot.offset);
    return undefined;
  }

  /** Indexes the log file, creating it when missing and repairing it when damaged. */
  private load(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, fs.constants.O_RDWR | fs.constants.O_APPEND);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.replaceFile(0);
      this.index.clear();
      return;
    }
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = fd;
    this.index.clear();
    const size = fs.fstatSync(this.fd).size;
    const headerDamage = checkHeader(readAt(this.fd, 0, HEADER_SIZE), this.opts.packHash);
    if (headerDamage) return this.repair(headerDamage, 0);
    let scan = indexRecords(this.fd, HEADER_SIZE, size, this.index);
    // A last record cut short may be another run's append in progress rather than
    // damage: give it a moment to complete before repairing.
    for (let waited = 0; scan.damage === 'truncated' && waited < TAIL_WAIT_MS; waited += 5) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // a synchronous 5 ms sleep
      scan = indexRecords(this.fd, scan.end, fs.fstatSync(this.fd).size, this.index);
    }
    this.end = scan.end;
    if (scan.damage) this.repair(scan.damage, scan.end);
  }

  /** Replaces a damaged log by its first `keep` bytes (0: a fresh header) and says so. */
  private repair(damage: CacheDamage, keep: number): void {
    for (const [key, slot] of this.index) if (slot.offset >= keep) this.index.delete(key);
    this.replaceFile(keep);
    const kept = this.index.size;
    const message =
      `result cache ${this.file} was damaged (${DAMAGE[damage]}); ` +
      (keep > 0 ? `rebuilt, keeping the ${kept} entries before the damage` : 'started afresh');
    this.opts.onNotice?.({ kind: 'rebuilt', damage, file: this.file, kept, message });
  }

  /**
   * Writes a new log holding the current file's first `keep` bytes (header and intact
   * records), or a fresh header when `keep` is 0, then renames it into place: other runs
   * never see a half-written file, and bytes they have indexed never change.
   */
  private replaceFile(keep: number): void {
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const { O_RDWR, O_APPEND, O_CREAT, O_EXCL } = fs.constants;
    const fd = fs.openSync(tmp, O_RDWR | O_APPEND | O_CREAT | O_EXCL);
    try {
      if (keep === 0) fs.writeSync(fd, encodeHeader(this.opts.packHash));
      for (let pos = 0; pos < keep; ) {
        const chunk = readAt(this.fd, pos, Math.min(1 << 20, keep - pos));
        if (chunk.length === 0) throw new Error(`result cache ${this.file} shrank while being repaired`);
        pos += fs.writeSync(fd, chunk);
      }
      fs.renameSync(tmp, this.file);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = fd;
    this.end = keep === 0 ? HEADER_SIZE : keep;
  }

  /** False when another run replaced (or someone deleted) the log since this one opened it. */
  private isCurrentFile(): boolean {
    try {
      const onDisk = fs.statSync(this.file);
      const ours = fs.fstatSync(this.fd);
      return onDisk.ino === ours.ino && onDisk.dev === ours.dev;
    } catch {
      return false;
    }
  }

  private assertOpen(): void {
    if (this.fd < 0) throw new Error(`result cache ${this.file} is closed`);
  }
}

const DAMAGE: Record<CacheDamage, string> = {
  'bad-header': 'not a Persona Lens cache file',
  version: 'written by another cache format version',
  'pack-hash': 'header names another pack',
  truncated: 'a record is cut short',
  checksum: 'a record fails its checksum',
  json: 'a record holds invalid JSON',
  shape: 'a record does not hold a result',
};

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`cache keys are 64 lower-case hex digits (exampleHash); got "${key}"`);
  return key;
}
