// Reads the entries of a zip archive, enough for numpy's .npz (np.savez stores,
// np.savez_compressed deflates). Sizes and offsets come from the central
// directory: numpy writes every local header with placeholder sizes and a zip64
// extra field (force_zip64), so the local headers only locate the data.

import { crc32, inflateRawSync } from 'node:zlib';

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const ZIP64_EXTRA_ID = 0x0001;
const U32_MAX = 0xffffffff;

const STORED = 0;
const DEFLATED = 8;

/** Every file entry of the archive, by name, uncompressed and CRC-checked. */
export function readZip(bytes: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndRecord(view);
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  if (count === 0xffff || p === U32_MAX) {
    throw new Error('zip64 archives (over 4 GiB or 65535 entries) are not supported');
  }
  const entries = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_SIZE > view.byteLength || view.getUint32(p, true) !== CENTRAL_SIG) {
      throw new Error(`not a valid zip archive: central directory entry ${i + 1} of ${count} is missing or damaged`);
    }
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const name = Buffer.from(bytes.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLen)).toString('utf8');
    const extra = bytes.subarray(p + CENTRAL_SIZE + nameLen, p + CENTRAL_SIZE + nameLen + extraLen);
    const sizes = zip64Sizes(extra, {
      size: view.getUint32(p + 24, true),
      compressedSize: view.getUint32(p + 20, true),
      offset: view.getUint32(p + 42, true),
    });
    const entry = {
      name,
      flags: view.getUint16(p + 8, true),
      method: view.getUint16(p + 10, true),
      crc: view.getUint32(p + 16, true),
      ...sizes,
    };
    if (!name.endsWith('/')) entries.set(name, extract(bytes, view, entry));
    p += CENTRAL_SIZE + nameLen + extraLen + view.getUint16(p + 32, true);
  }
  return entries;
}

/** The end-of-central-directory record sits in the last 22 bytes plus up to 64 KiB of comment. */
function findEndRecord(view: DataView): number {
  const stop = Math.max(0, view.byteLength - EOCD_SIZE - 0xffff);
  for (let p = view.byteLength - EOCD_SIZE; p >= stop; p--) {
    if (view.getUint32(p, true) === EOCD_SIG) return p;
  }
  throw new Error('not a zip archive (no end-of-central-directory record; truncated file?)');
}

interface Sizes {
  size: number;
  compressedSize: number;
  offset: number;
}

/** Fields saturated at 0xffffffff are in the zip64 extra field, 8 bytes each, in this order. */
function zip64Sizes(extra: Uint8Array, sizes: Sizes): Sizes {
  const view = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let p = 0; p + 4 <= extra.length; p += 4 + view.getUint16(p + 2, true)) {
    if (view.getUint16(p, true) !== ZIP64_EXTRA_ID) continue;
    let q = p + 4;
    const out = { ...sizes };
    for (const key of ['size', 'compressedSize', 'offset'] as const) {
      if (out[key] !== U32_MAX) continue;
      if (q + 8 > extra.length) throw new Error('not a valid zip archive: zip64 extra field too short');
      out[key] = Number(view.getBigUint64(q, true));
      q += 8;
    }
    return out;
  }
  return sizes;
}

interface Entry extends Sizes {
  name: string;
  flags: number;
  method: number;
  crc: number;
}

function extract(bytes: Uint8Array, view: DataView, e: Entry): Uint8Array {
  if (e.flags & 1) throw new Error(`zip entry ${e.name} is encrypted`);
  if (e.offset + LOCAL_SIZE > view.byteLength || view.getUint32(e.offset, true) !== LOCAL_SIG) {
    throw new Error(`zip entry ${e.name}: local header missing at offset ${e.offset} (truncated or damaged archive)`);
  }
  const start = e.offset + LOCAL_SIZE + view.getUint16(e.offset + 26, true) + view.getUint16(e.offset + 28, true);
  if (start + e.compressedSize > bytes.length) {
    throw new Error(`zip entry ${e.name}: data runs past the end of the archive (truncated file?)`);
  }
  const raw = bytes.subarray(start, start + e.compressedSize);
  let data: Uint8Array;
  if (e.method === STORED) data = raw;
  else if (e.method === DEFLATED) {
    try {
      data = inflateRawSync(raw);
    } catch (err) {
      throw new Error(`zip entry ${e.name}: cannot inflate: ${(err as Error).message}`);
    }
  } else throw new Error(`zip entry ${e.name}: compression method ${e.method} is not supported (stored or deflated only)`);
  if (data.length !== e.size) {
    throw new Error(`zip entry ${e.name}: ${data.length} bytes after decompression, the directory says ${e.size}`);
  }
  if (crc32(data) !== e.crc) throw new Error(`zip entry ${e.name}: CRC mismatch (damaged archive)`);
  return data;
}
