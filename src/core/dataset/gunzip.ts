// Gunzips a byte stream member by member, keeping every byte that came out before
// any damage. Node's gunzip stream drops the output it had not yet pushed when the
// stream then fails (a bad CRC trailer, trailing garbage), which lost thousands of
// intact lines; here the gzip framing is read here and only the deflate body goes
// to zlib (raw inflate, which stops at the body's end), a small piece at a time.

import { createInflateRaw, crc32, type InflateRaw } from 'node:zlib';

/** Input fed per step: deflate expands at most ~1032:1, so one step holds at most ~17 MB of output. */
const FEED_BYTES = 16 << 10;

/** Damage to a gzip stream; everything decompressed before it has been yielded. */
export class GzipDamage extends Error {}

const FLAG = { HCRC: 2, EXTRA: 4, NAME: 8, COMMENT: 16 };

/** The decompressed bytes of `source` (one or more gzip members); throws only after yielding all intact output. */
export async function* gunzipChunks(source: AsyncIterable<Buffer>, chunkSize: number): AsyncGenerator<Buffer> {
  const input = new ByteQueue(source[Symbol.asyncIterator]());
  for (let member = 0; ; member++) {
    const head = await input.peek(10);
    if (head.length === 0 && member > 0) return;
    if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
      if (member === 0) throw new GzipDamage('not a gzip stream');
      throw new GzipDamage(`${await input.drain()} bytes of trailing garbage after the gzip data (every line before them was read)`);
    }
    if (head.length < 10) throw new GzipDamage('unexpected end of file in a gzip header');
    if (head[2] !== 8) throw new GzipDamage(`unknown compression method ${head[2]}`);
    await skipHeader(input, head[3]);
    let crc = 0;
    let size = 0;
    for await (const out of inflateBody(input, chunkSize)) {
      crc = crc32(out, crc);
      size = (size + out.length) >>> 0;
      yield out;
    }
    const trailer = await input.take(8);
    if (trailer.length < 8) throw new GzipDamage('unexpected end of file before the gzip trailer');
    if (trailer.readUInt32LE(0) !== crc >>> 0) throw new GzipDamage('incorrect data check (CRC32 mismatch)');
    if (trailer.readUInt32LE(4) !== size) throw new GzipDamage('incorrect length check');
  }
}

async function skipHeader(input: ByteQueue, flags: number): Promise<void> {
  await input.take(10);
  if (flags & FLAG.EXTRA) {
    const len = await input.take(2);
    if (len.length < 2 || (await input.take(len.readUInt16LE(0))).length < len.readUInt16LE(0)) throw new GzipDamage('unexpected end of file in a gzip header');
  }
  for (const flag of [FLAG.NAME, FLAG.COMMENT]) {
    if (flags & flag && !(await input.skipPastZero())) throw new GzipDamage('unexpected end of file in a gzip header');
  }
  if (flags & FLAG.HCRC && (await input.take(2)).length < 2) throw new GzipDamage('unexpected end of file in a gzip header');
}

/** One member's deflate body through raw inflate; leaves `input` just after the body. */
async function* inflateBody(input: ByteQueue, chunkSize: number): AsyncGenerator<Buffer> {
  const z: InflateRaw = createInflateRaw({ chunkSize });
  const out: Buffer[] = [];
  let failure: Error | null = null;
  let ended = false;
  z.on('data', (b: Buffer) => out.push(b));
  z.on('end', () => (ended = true));
  z.on('error', (err) => (failure = err));
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  try {
    let fed = 0;
    while (!ended && !failure) {
      const piece = await input.take(FEED_BYTES);
      if (piece.length === 0) {
        z.end();
        await new Promise<void>((resolve) => (z.once('end', resolve), z.once('error', () => resolve()), z.once('close', resolve)));
        yield* out.splice(0);
        if (failure) throw new GzipDamage(`${(failure as Error).message} (the gzip data is truncated)`);
        if (!ended) throw new GzipDamage('unexpected end of file');
        return;
      }
      await new Promise<void>((resolve) => z.write(piece, () => resolve()));
      await settle(); // lets 'end' or 'error' from this piece arrive
      yield* out.splice(0);
      // Raw inflate stops at the body's end; what it did not take is the trailer and beyond.
      const used = z.bytesWritten - fed;
      fed += piece.length;
      if (ended) input.unshift(piece.subarray(used));
    }
    if (failure) throw new GzipDamage((failure as Error).message);
  } finally {
    z.destroy();
  }
}

/** Pull-based bytes with look-ahead: what a step did not use goes back to the front. */
class ByteQueue {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<void> {
    while (this.buf.length < n && !this.done) {
      const step = await this.source.next();
      if (step.done) this.done = true;
      else this.buf = this.buf.length === 0 ? step.value : Buffer.concat([this.buf, step.value]);
    }
  }

  async peek(n: number): Promise<Buffer> {
    await this.fill(n);
    return this.buf.subarray(0, n);
  }

  /** Up to n bytes (fewer only at the end). */
  async take(n: number): Promise<Buffer> {
    await this.fill(Math.min(n, 1));
    if (this.buf.length === 0) return this.buf;
    if (n > this.buf.length) await this.fill(n);
    const piece = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(piece.length);
    return piece;
  }

  unshift(bytes: Buffer): void {
    if (bytes.length > 0) this.buf = this.buf.length === 0 ? bytes : Buffer.concat([bytes, this.buf]);
  }

  /** Skips up to and including the next zero byte; false at the end of input. */
  async skipPastZero(): Promise<boolean> {
    for (;;) {
      const at = this.buf.indexOf(0);
      if (at >= 0) {
        this.buf = this.buf.subarray(at + 1);
        return true;
      }
      this.buf = Buffer.alloc(0);
      await this.fill(1);
      if (this.buf.length === 0) return false;
    }
  }

  /** Counts and discards the rest of the input. */
  async drain(): Promise<number> {
    let n = this.buf.length;
    this.buf = Buffer.alloc(0);
    for (let step = await this.source.next(); !step.done; step = await this.source.next()) n += step.value.length;
    this.done = true;
    return n;
  }
}

/** A whole gzip file in memory: every intact byte, and what damage stopped it (null if none). */
export async function gunzipBytes(bytes: Uint8Array): Promise<{ data: Buffer; damage: string | null }> {
  const parts: Buffer[] = [];
  try {
    const whole = (async function* () {
      yield Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    })();
    for await (const part of gunzipChunks(whole, 1 << 20)) parts.push(part);
    return { data: Buffer.concat(parts), damage: null };
  } catch (err) {
    return { data: Buffer.concat(parts), damage: (err as Error).message };
  }
}
