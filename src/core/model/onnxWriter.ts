// A minimal ONNX ModelProto encoder, so graphs (the SAE encoder at load time,
// the test pack's model) can be built in memory without Python or a protobuf
// library. Only the fields those graphs need are written; field numbers follow
// onnx/onnx.proto.

export type OnnxElemType = 'float32' | 'int32' | 'int64';

const ELEM_TYPE_CODE: Record<OnnxElemType, number> = { float32: 1, int32: 6, int64: 7 };

export type OnnxTensorData = Float32Array | Int32Array | BigInt64Array;

export interface OnnxTensor {
  name: string;
  dims: number[];
  data: OnnxTensorData;
}

export interface OnnxValueInfo {
  name: string;
  type: OnnxElemType;
  /** Numbers are fixed sizes; strings are symbolic (dynamic) dimensions. */
  shape: Array<number | string>;
}

export type OnnxAttribute = { int: number } | { ints: number[] } | { float: number } | { string: string };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, OnnxAttribute>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** Opset 17 (IR version 8): ReduceMean/ReduceL2 still take `axes` as an attribute there. */
export const OPSET = 17;
const IR_VERSION = 8;

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_BYTES = 2;

/**
 * A protobuf message under construction, kept as a list of chunks so that large
 * tensors are copied once (into the final buffer), not once per nesting level.
 */
class ProtoMessage {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private key(field: number, wire: number): void {
    this.push(varint(BigInt((field << 3) | wire)));
  }

  int(field: number, value: number | bigint): this {
    this.key(field, WIRE_VARINT);
    // Negative int64 values are written as their 64-bit two's complement.
    this.push(varint(BigInt.asUintN(64, BigInt(value))));
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE_BYTES);
    this.push(varint(BigInt(value.length)));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, value: ProtoMessage): this {
    this.key(field, WIRE_BYTES);
    this.push(varint(BigInt(value.length)));
    for (const c of value.chunks) this.chunks.push(c);
    this.length += value.length;
    return this;
  }

  toBytes(): Uint8Array {
    return Buffer.concat(this.chunks, this.length);
  }
}

function varint(value: bigint): Uint8Array {
  const out: number[] = [];
  let v = value;
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Uint8Array.from(out);
}

function elemTypeOf(data: OnnxTensorData): number {
  if (data instanceof Float32Array) return ELEM_TYPE_CODE.float32;
  if (data instanceof Int32Array) return ELEM_TYPE_CODE.int32;
  return ELEM_TYPE_CODE.int64;
}

const EXTERNAL_MIN_BYTES = 1024;

/** Where an initializer's bytes go when they are kept outside the model (ONNX external data). */
interface ExternalSink {
  location: string;
  chunks: Uint8Array[];
  length: number;
}

function tensorProto(t: OnnxTensor, external?: ExternalSink): ProtoMessage {
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (size !== t.data.length) {
    throw new Error(`ONNX initializer ${t.name}: dims [${t.dims}] hold ${size} values, data has ${t.data.length}`);
  }
  const m = new ProtoMessage();
  for (const d of t.dims) m.int(1, d);
  m.int(2, elemTypeOf(t.data));
  m.string(8, t.name);
  // raw_data is little-endian, which is the byte order of every platform Node runs on.
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  // Small tensors stay inline, as onnx's own saver keeps them: shape inputs (an Unsqueeze's axes) must be.
  if (!external || raw.length < EXTERNAL_MIN_BYTES) return m.bytes(9, raw);
  const entry = (key: string, value: string) => new ProtoMessage().string(1, key).string(2, value);
  m.message(13, entry('location', external.location));
  m.message(13, entry('offset', String(external.length)));
  m.message(13, entry('length', String(raw.length)));
  m.int(14, 1); // data_location: EXTERNAL
  external.chunks.push(raw);
  external.length += raw.length;
  return m;
}

function valueInfoProto(v: OnnxValueInfo): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of v.shape) {
    const dim = new ProtoMessage();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoMessage().int(1, ELEM_TYPE_CODE[v.type]).message(2, shape);
  const type = new ProtoMessage().message(1, tensorType);
  return new ProtoMessage().string(1, v.name).message(2, type);
}

// AttributeProto.AttributeType values.
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

function attributeProto(name: string, a: OnnxAttribute): ProtoMessage {
  const m = new ProtoMessage().string(1, name);
  if ('float' in a) return m.float(2, a.float).int(20, ATTR_FLOAT);
  if ('int' in a) return m.int(3, a.int).int(20, ATTR_INT);
  if ('string' in a) return m.string(4, a.string).int(20, ATTR_STRING);
  for (const i of a.ints) m.int(8, i);
  return m.int(20, ATTR_INTS);
}

function nodeProto(n: OnnxNode, index: number): ProtoMessage {
  const m = new ProtoMessage();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  m.string(3, `${n.op}_${index}`);
  m.string(4, n.op);
  for (const [name, a] of Object.entries(n.attributes ?? {})) m.message(5, attributeProto(name, a));
  return m;
}

/** Serialises a graph as an ONNX model (default domain, opset 17). */
export function encodeOnnxModel(graph: OnnxGraph, producer = 'persona-lens'): Uint8Array {
  return encode(graph, producer);
}

/** The same model with its initializers' bytes (those of 1 KiB or more) in one external data file, `location`, beside it. */
export function encodeOnnxModelExternal(graph: OnnxGraph, location: string, producer = 'persona-lens'): { model: Uint8Array; data: Uint8Array } {
  const sink: ExternalSink = { location, chunks: [], length: 0 };
  const model = encode(graph, producer, sink);
  return { model, data: Buffer.concat(sink.chunks, sink.length) };
}

function encode(graph: OnnxGraph, producer: string, external?: ExternalSink): Uint8Array {
  const g = new ProtoMessage();
  graph.nodes.forEach((n, i) => g.message(1, nodeProto(n, i)));
  g.string(2, graph.name);
  for (const t of graph.initializers) g.message(5, tensorProto(t, external));
  for (const v of graph.inputs) g.message(11, valueInfoProto(v));
  for (const v of graph.outputs) g.message(12, valueInfoProto(v));

  const opset = new ProtoMessage().string(1, '').int(2, OPSET);
  return new ProtoMessage()
    .int(1, IR_VERSION)
    .string(2, producer)
    .message(7, g)
    .message(8, opset)
    .toBytes();
}

/**
 * Builds a graph node by node: each `op` call adds a node and returns the name
 * of its (first) output, so graphs read like the formulas they compute.
 */
export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private next = 0;

  /** Adds a constant and returns its name. */
  constant(name: string, dims: number[], data: OnnxTensorData): string {
    this.initializers.push({ name, dims, data });
    return name;
  }

  op(op: string, inputs: string[], attributes?: Record<string, OnnxAttribute>, output?: string): string {
    return this.opMulti(op, inputs, 1, attributes, output ? [output] : undefined)[0];
  }

  /** For ops with several outputs (TopK). */
  opMulti(
    op: string,
    inputs: string[],
    nOutputs: number,
    attributes?: Record<string, OnnxAttribute>,
    outputs?: string[],
  ): string[] {
    const outs = outputs ?? Array.from({ length: nOutputs }, () => `t${this.next++}`);
    this.nodes.push({ op, inputs, outputs: outs, attributes });
    return outs;
  }

  build(name: string, inputs: OnnxValueInfo[], outputs: OnnxValueInfo[]): OnnxGraph {
    return { name, nodes: this.nodes, initializers: this.initializers, inputs, outputs };
  }
}
