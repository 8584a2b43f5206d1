import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSafetensors, writeSafetensors } from '../../../src/core/sae/safetensors';

/** A file with a hand-written header, for the corruption cases. */
function craft(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([prefix, json, data]);
}

test('round trip keeps names, shapes, values and metadata', () => {
  const a = Float32Array.from({ length: 6 }, (_, i) => i * 0.5 - 1);
  const b = Float32Array.of(3.25);
  const bytes = writeSafetensors({ W: { shape: [2, 3], data: a }, b: { shape: [1], data: b } }, { format: 'pt' });
  assert.equal((8 + Number(Buffer.from(bytes).readBigUInt64LE(0))) % 8, 0, 'header padded to 8 bytes');
  const file = readSafetensors(bytes);
  assert.deepEqual(file.metadata, { format: 'pt' });
  assert.deepEqual([...file.tensors.keys()], ['W', 'b']);
  const w = file.tensors.get('W')!;
  assert.deepEqual([w.dtype, w.shape, w.data], ['F32', [2, 3], a]);
  assert.deepEqual(file.tensors.get('b')?.data, b);
});

test('reads from a Buffer that is a slice of a larger allocation', () => {
  const bytes = writeSafetensors({ x: { shape: [3], data: Float32Array.of(1, 2, 3) } });
  const big = Buffer.concat([Buffer.from([9, 9, 9]), bytes]).subarray(3);
  assert.deepEqual(readSafetensors(big).tensors.get('x')?.data, Float32Array.of(1, 2, 3));
});

test('decodes F16 (normal, subnormal, inf), BF16 and F64 to float32', () => {
  const f16 = Buffer.alloc(10);
  [0x3c00, 0xc000, 0x3800, 0x0001, 0x7c00].forEach((h, i) => f16.writeUInt16LE(h, i * 2));
  const bf16 = Buffer.alloc(4);
  bf16.writeUInt16LE(0x3f80, 0); // 1.0
  bf16.writeUInt16LE(0xc040, 2); // -3.0
  const f64 = Buffer.alloc(16);
  f64.writeDoubleLE(0.1, 0);
  f64.writeDoubleLE(-2.5, 8);
  const file = readSafetensors(
    writeSafetensors({
      h: { shape: [5], dtype: 'F16', raw: f16 },
      bf: { shape: [2], dtype: 'BF16', raw: bf16 },
      d: { shape: [2, 1], dtype: 'F64', raw: f64 },
    }),
  );
  assert.deepEqual([...file.tensors.get('h')!.data], [1, -2, 0.5, 2 ** -24, Infinity]);
  assert.deepEqual([...file.tensors.get('bf')!.data], [1, -3]);
  assert.deepEqual([...file.tensors.get('d')!.data], [Math.fround(0.1), -2.5]);
  assert.equal(file.tensors.get('d')!.dtype, 'F64');
});

test('refuses a file shorter than the length prefix', () => {
  assert.throws(() => readSafetensors(new Uint8Array(5)), /truncated.*5 bytes/);
});

test('refuses a header length beyond the end of the file', () => {
  const bytes = craft({});
  Buffer.from(bytes.buffer, bytes.byteOffset).writeBigUInt64LE(1000n);
  assert.throws(() => readSafetensors(bytes), /truncated: header says 1000 header bytes/);
});

test('refuses a header that is not JSON', () => {
  assert.throws(() => readSafetensors(craft('{"x": ')), /header is not valid JSON/);
  assert.throws(() => readSafetensors(craft('[1, 2]')), /header is not a JSON object/);
});

test('refuses an unsupported dtype, naming the tensor', () => {
  const h = { idx: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } };
  assert.throws(() => readSafetensors(craft(h, new Uint8Array(8))), /tensor "idx": unsupported dtype "I64"/);
});

test('refuses data offsets past the data section (a truncated file)', () => {
  const bytes = writeSafetensors({ W: { shape: [4], data: new Float32Array(4) } });
  assert.throws(() => readSafetensors(bytes.subarray(0, bytes.length - 3)), /"W": data_offsets \[0, 16\] out of range.*13 bytes/);
});

test('refuses reversed or malformed offsets', () => {
  const h = { W: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } };
  assert.throws(() => readSafetensors(craft(h, new Uint8Array(4))), /data_offsets must be \[begin, end\]/);
});

test('refuses a shape that does not match the byte size', () => {
  const h = { W: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 16] } };
  assert.throws(() => readSafetensors(craft(h, new Uint8Array(16))), /shape \[2, 3\] of F32 needs 24 bytes, data_offsets give 16/);
});

test('refuses bad shapes and metadata', () => {
  const badShape = { W: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } };
  assert.throws(() => readSafetensors(craft(badShape)), /shape must be a list of non-negative integers/);
  assert.throws(() => readSafetensors(craft({ __metadata__: { a: 1 } })), /__metadata__ must be an object of strings/);
});
