// safetensors: an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw data. SAE weights come in
// float32, float16, bfloat16 or float64; the scanner computes in float32.

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

export interface Tensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** The stored little-endian bytes: a view into the file's bytes. */
  raw: Uint8Array;
  /** The values converted to float32, row-major; converted on first use (an SAE's W_dec never is). */
  readonly data: Float32Array;
}

/** A tensor whose float32 values are made from `raw` on first use. */
export function lazyTensor(dtype: SafetensorsDtype, shape: number[], raw: Uint8Array): Tensor {
  let values: Float32Array | null = null;
  const count = shape.reduce((a, b) => a * b, 1);
  return {
    dtype,
    shape,
    raw,
    get data() {
      return (values ??= toFloat32(dtype, raw, count));
    },
  };
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  /** The header's `__metadata__` (string to string), empty when absent. */
  metadata: Record<string, string>;
}

/** A tensor to write: float32 values, or raw little-endian bytes of any supported dtype. */
export type TensorToWrite =
  | { shape: number[]; data: Float32Array }
  | { shape: number[]; dtype: SafetensorsDtype; raw: Uint8Array };

const HEADER_PREFIX = 8;

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < HEADER_PREFIX) {
    throw new Error(`safetensors file is truncated: ${bytes.length} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - HEADER_PREFIX) {
    throw new Error(
      `safetensors file is truncated: header says ${headerLen} header bytes, file has ${bytes.length - HEADER_PREFIX} after the length`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(HEADER_PREFIX, HEADER_PREFIX + headerLen)).toString('utf8'));
  } catch (e) {
    throw new Error(`safetensors header is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(header)) throw new Error('safetensors header is not a JSON object');

  const data = bytes.subarray(HEADER_PREFIX + headerLen);
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = readMetadata(entry);
      continue;
    }
    tensors.set(name, readTensor(name, entry, data));
  }
  return { tensors, metadata };
}

function readMetadata(entry: unknown): Record<string, string> {
  if (!isObject(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
    throw new Error('safetensors __metadata__ must be an object of strings');
  }
  return entry as Record<string, string>;
}

function readTensor(name: string, entry: unknown, data: Uint8Array): Tensor {
  if (!isObject(entry)) throw new Error(`safetensors tensor "${name}": header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string' || !(dtype in BYTES_PER_ELEMENT)) {
    throw new Error(`safetensors tensor "${name}": unsupported dtype ${JSON.stringify(dtype)} (supported: F32, F16, BF16, F64)`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) {
    throw new Error(`safetensors tensor "${name}": shape must be a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt) || offsets[0] > offsets[1]) {
    throw new Error(`safetensors tensor "${name}": data_offsets must be [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > data.length) {
    throw new Error(
      `safetensors tensor "${name}": data_offsets [${begin}, ${end}] out of range; the data section has ${data.length} bytes (file truncated?)`,
    );
  }
  const type = dtype as SafetensorsDtype;
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (count * BYTES_PER_ELEMENT[type] !== end - begin) {
    throw new Error(
      `safetensors tensor "${name}": shape [${shape.join(', ')}] of ${type} needs ${count * BYTES_PER_ELEMENT[type]} bytes, data_offsets give ${end - begin}`,
    );
  }
  return lazyTensor(type, shape as number[], data.subarray(begin, end));
}

/** Decodes little-endian values; the bytes are copied first so typed views are aligned. */
export function toFloat32(dtype: SafetensorsDtype, raw: Uint8Array, count: number): Float32Array {
  // new Uint8Array(x) copies; Buffer#slice would not.
  const buf = new Uint8Array(raw).buffer;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf);
    case 'F64':
      return Float32Array.from(new Float64Array(buf));
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const halves = new Uint16Array(buf);
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = halves[i] << 16;
      return new Float32Array(bits.buffer);
    }
    case 'F16': {
      const halves = new Uint16Array(buf);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(halves[i]);
      return out;
    }
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Writes tensors in the given order; the header is space-padded to 8 bytes like the reference writer. */
export function writeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const [dtype, raw] =
      'raw' in t ? [t.dtype, t.raw] : (['F32', new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)] as const);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + raw.length] };
    blobs.push(raw);
    offset += raw.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((HEADER_PREFIX + Buffer.byteLength(json)) % 8)) % 8);
  const prefix = Buffer.alloc(HEADER_PREFIX);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([prefix, Buffer.from(json, 'utf8'), ...blobs]);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
