/**
 * A minimal, dependency-free protobuf wire-format encoder and the handful of ONNX messages the
 * ONNX backend emits. Only encoding is needed (models are built here and parsed by ONNX Runtime),
 * so pulling in protobufjs and the full ONNX schema would be dead weight.
 *
 * Field numbers follow onnx/onnx.proto3 of the ONNX repository (stable across IR versions).
 */

/** Protobuf wire types (the low 3 bits of a field key). */
const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;
type WireType = (typeof WireType)[keyof typeof WireType];

const TWO_POW_64 = 1n << 64n;

/** Chunks at least this large are kept by reference instead of being copied into the scratch buffer. */
const ADOPT_THRESHOLD = 1024;

/**
 * Appends protobuf fields to a list of byte chunks. Nested messages are written into a child
 * writer whose chunks are adopted by reference, so large payloads (initializer raw_data) are
 * copied exactly once, in `finish()`, however deep they are nested.
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  // Small to start with: a model has hundreds of nested messages, most a few bytes long, and
  // V8 keeps typed arrays of up to 64 bytes on its heap, where they are cheap to make.
  private scratch = new Uint8Array(48);
  private pos = 0;
  private flushedLength = 0;

  /** Total number of bytes written so far. */
  get length(): number {
    return this.flushedLength + this.pos;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.scratch.length) return;
    const next = new Uint8Array(Math.max(this.scratch.length * 2, this.pos + n));
    next.set(this.scratch.subarray(0, this.pos));
    this.scratch = next;
  }

  /** A view for the fixed-width fields, made when one is written. */
  private get view(): DataView {
    return new DataView(this.scratch.buffer, this.scratch.byteOffset, this.scratch.byteLength);
  }

  private flushScratch(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.scratch.slice(0, this.pos));
    this.flushedLength += this.pos;
    this.pos = 0;
  }

  /** Raw bytes, no key or length. */
  rawBytes(bytes: Uint8Array): void {
    if (bytes.length >= ADOPT_THRESHOLD) {
      this.flushScratch();
      this.chunks.push(bytes);
      this.flushedLength += bytes.length;
      return;
    }
    this.reserve(bytes.length);
    this.scratch.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /**
   * An unsigned base-128 varint. Negative values are written as their 64-bit two's complement
   * (10 bytes), which is how protobuf encodes negative int32/int64 values.
   */
  varint(value: number | bigint): void {
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) throw new RangeError(`varint: ${value} is not an integer`);
      if (value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
        this.reserve(8);
        // Division instead of `>>> 7`: bit operators truncate to 32 bits, and int64 fields
        // (dims, ints attributes) may exceed that.
        while (value >= 0x80) {
          this.scratch[this.pos++] = (value % 0x80) | 0x80;
          value = Math.floor(value / 0x80);
        }
        this.scratch[this.pos++] = value;
        return;
      }
      if (!Number.isSafeInteger(value)) throw new RangeError(`varint: ${value} is not a safe integer; pass a bigint`);
      value = BigInt(value);
    }
    if (value < 0n) {
      if (value < -(1n << 63n)) throw new RangeError(`varint: ${value} does not fit in 64 bits`);
      value += TWO_POW_64;
    }
    if (value >= TWO_POW_64) throw new RangeError(`varint: ${value} does not fit in 64 bits`);
    this.reserve(10);
    while (value >= 0x80n) {
      this.scratch[this.pos++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.scratch[this.pos++] = Number(value);
  }

  /** A field key: field number and wire type. */
  private key(field: number, wire: WireType): void {
    this.varint(field * 8 + wire);
  }

  /** int32/int64/uint32/uint64/enum/bool field (plain varint encoding, not zigzag). */
  varintField(field: number, value: number | bigint): void {
    this.key(field, WireType.Varint);
    this.varint(value);
  }

  /** `float` field (fixed 32-bit little-endian IEEE 754). */
  floatField(field: number, value: number): void {
    this.key(field, WireType.Fixed32);
    this.reserve(4);
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
  }

  /** `double` field (fixed 64-bit little-endian IEEE 754). */
  doubleField(field: number, value: number): void {
    this.key(field, WireType.Fixed64);
    this.reserve(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** `bytes` field. */
  bytesField(field: number, bytes: Uint8Array): void {
    this.key(field, WireType.LengthDelimited);
    this.varint(bytes.length);
    this.rawBytes(bytes);
  }

  /** `string` field (UTF-8). Names are nearly always ASCII: those are copied without an encoder. */
  stringField(field: number, value: string): void {
    for (let i = 0; i < value.length; i++) {
      if (value.charCodeAt(i) > 0x7f) {
        this.bytesField(field, utf8(value));
        return;
      }
    }
    this.key(field, WireType.LengthDelimited);
    this.varint(value.length);
    this.reserve(value.length);
    for (let i = 0; i < value.length; i++) this.scratch[this.pos++] = value.charCodeAt(i);
  }

  /** Embedded message field; `write` fills the message body. */
  messageField(field: number, write: (w: ProtoWriter) => void): void {
    const child = new ProtoWriter();
    write(child);
    this.key(field, WireType.LengthDelimited);
    this.varint(child.length);
    this.adopt(child);
  }

  /** Packed repeated varints (int32/int64/uint64...). An empty list writes nothing, as protobuf does. */
  packedVarints(field: number, values: ArrayLike<number | bigint>): void {
    if (values.length === 0) return;
    const child = new ProtoWriter();
    for (let i = 0; i < values.length; i++) child.varint(values[i]);
    this.key(field, WireType.LengthDelimited);
    this.varint(child.length);
    this.adopt(child);
  }

  /** Packed repeated floats. */
  packedFloats(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    this.bytesField(field, bytes);
  }

  /** Packed repeated doubles. */
  packedDoubles(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
    this.bytesField(field, bytes);
  }

  private adopt(child: ProtoWriter): void {
    child.flushScratch();
    if (child.flushedLength < ADOPT_THRESHOLD) {
      // Small messages are copied so that the chunk list does not fragment into many tiny arrays.
      for (const c of child.chunks) this.rawBytes(c);
      return;
    }
    this.flushScratch();
    for (const c of child.chunks) this.chunks.push(c);
    this.flushedLength += child.flushedLength;
  }

  /** The encoded bytes. */
  finish(): Uint8Array {
    this.flushScratch();
    // Always a fresh array, even for a single chunk: that chunk may be a caller's adopted buffer.
    const out = new Uint8Array(this.flushedLength);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

const encoder = new TextEncoder();
function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

// ---------------------------------------------------------------------------------------------
// ONNX messages
// ---------------------------------------------------------------------------------------------

/** TensorProto.DataType values. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;
export type AttributeType = (typeof AttributeType)[keyof typeof AttributeType];

export interface TensorProto {
  /** Optional for tensors inside attributes; required for initializers. */
  name?: string;
  dataType: DataType;
  dims: readonly number[];
  /** Fixed-width little-endian element bytes (one byte per bool), as the ONNX spec requires for raw_data. */
  rawData: Uint8Array;
  /**
   * Where the bytes are instead, for a tensor kept outside the model (ONNX external data:
   * `location`, `offset`, `length` in a file beside the model); raw_data is then not written.
   */
  externalData?: readonly { key: string; value: string }[];
}

/** One attribute; exactly one value field should be set, matching `type`. */
export interface AttributeProto {
  name: string;
  type: AttributeType;
  f?: number;
  i?: number | bigint;
  s?: Uint8Array | string;
  t?: TensorProto;
  floats?: readonly number[];
  ints?: readonly (number | bigint)[];
  strings?: readonly (Uint8Array | string)[];
}

export interface NodeProto {
  input: readonly string[];
  output: readonly string[];
  name?: string;
  opType: string;
  /** Empty or absent: the default ONNX domain. */
  domain?: string;
  attribute?: readonly AttributeProto[];
}

/** A tensor ValueInfoProto. A number dim is a dim_value, a string dim a symbolic dim_param. */
export interface ValueInfoProto {
  name: string;
  /** Absent: no type at all, for onnxruntime to infer (a graph output only). */
  elemType?: DataType;
  /** Absent: unknown rank (no shape field). */
  shape?: readonly (number | string)[];
}

export interface OperatorSetIdProto {
  domain: string;
  version: number;
}

export interface GraphProto {
  name: string;
  node: readonly NodeProto[];
  initializer: readonly TensorProto[];
  input: readonly ValueInfoProto[];
  output: readonly ValueInfoProto[];
}

export interface ModelProto {
  irVersion: number;
  opsetImport: readonly OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  graph: GraphProto;
}

// Field numbers (onnx.proto3). Grouped per message so a wrong number stands out in review.
const F = {
  tensor: { dims: 1, dataType: 2, name: 8, rawData: 9, externalData: 13, dataLocation: 14 },
  stringStringEntry: { key: 1, value: 2 },
  attribute: { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, strings: 9, type: 20 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  valueInfo: { name: 1, type: 2 },
  type: { tensorType: 1 },
  typeTensor: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dim: { dimValue: 1, dimParam: 2 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12 },
  model: { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 },
} as const;

export function writeTensor(w: ProtoWriter, t: TensorProto): void {
  w.packedVarints(F.tensor.dims, t.dims);
  w.varintField(F.tensor.dataType, t.dataType);
  if (t.name) w.stringField(F.tensor.name, t.name);
  const external = t.externalData;
  if (external !== undefined) {
    for (const e of external)
      w.messageField(F.tensor.externalData, (m) => {
        m.stringField(F.stringStringEntry.key, e.key);
        m.stringField(F.stringStringEntry.value, e.value);
      });
    w.varintField(F.tensor.dataLocation, 1); // DataLocation.EXTERNAL
    return;
  }
  // Written even when empty: a zero-element tensor is still a tensor whose data is present.
  w.bytesField(F.tensor.rawData, t.rawData);
}

export function writeAttribute(w: ProtoWriter, a: AttributeProto): void {
  w.stringField(F.attribute.name, a.name);
  // The value fields are written whenever they are set, even when zero: ONNX Runtime's parser
  // uses proto2 presence (has_i(), has_f()), and a missing i would make e.g. keepdims=0 look
  // unset to a checker that tests presence.
  if (a.f !== undefined) w.floatField(F.attribute.f, a.f);
  if (a.i !== undefined) w.varintField(F.attribute.i, a.i);
  if (a.s !== undefined) w.bytesField(F.attribute.s, typeof a.s === 'string' ? utf8(a.s) : a.s);
  const t = a.t;
  if (t !== undefined) w.messageField(F.attribute.t, (m) => writeTensor(m, t));
  if (a.floats !== undefined) w.packedFloats(F.attribute.floats, a.floats);
  if (a.ints !== undefined) w.packedVarints(F.attribute.ints, a.ints);
  if (a.strings !== undefined) for (const s of a.strings) w.bytesField(F.attribute.strings, typeof s === 'string' ? utf8(s) : s);
  w.varintField(F.attribute.type, a.type);
}

export function writeNode(w: ProtoWriter, n: NodeProto): void {
  // Repeated strings are never packed; an empty string is a legal entry (an omitted optional input).
  for (const s of n.input) w.stringField(F.node.input, s);
  for (const s of n.output) w.stringField(F.node.output, s);
  if (n.name) w.stringField(F.node.name, n.name);
  w.stringField(F.node.opType, n.opType);
  for (const a of n.attribute ?? []) w.messageField(F.node.attribute, (m) => writeAttribute(m, a));
  if (n.domain) w.stringField(F.node.domain, n.domain);
}

export function writeValueInfo(w: ProtoWriter, v: ValueInfoProto): void {
  w.stringField(F.valueInfo.name, v.name);
  const elemType = v.elemType;
  if (elemType === undefined) return;
  w.messageField(F.valueInfo.type, (type) =>
    type.messageField(F.type.tensorType, (tt) => {
      tt.varintField(F.typeTensor.elemType, elemType);
      const shape = v.shape;
      if (shape === undefined) return;
      // A rank-0 shape is an empty-but-present TensorShapeProto, distinct from "rank unknown".
      tt.messageField(F.typeTensor.shape, (s) => {
        for (const d of shape) {
          s.messageField(F.shape.dim, (dim) => {
            // dim_value/dim_param form a oneof, so dim_value 0 must still be written explicitly.
            if (typeof d === 'string') dim.stringField(F.dim.dimParam, d);
            else dim.varintField(F.dim.dimValue, d);
          });
        }
      });
    }),
  );
}

export function writeOperatorSetId(w: ProtoWriter, o: OperatorSetIdProto): void {
  if (o.domain) w.stringField(F.opset.domain, o.domain);
  w.varintField(F.opset.version, o.version);
}

export function writeGraph(w: ProtoWriter, g: GraphProto): void {
  for (const n of g.node) w.messageField(F.graph.node, (m) => writeNode(m, n));
  w.stringField(F.graph.name, g.name);
  for (const t of g.initializer) w.messageField(F.graph.initializer, (m) => writeTensor(m, t));
  for (const v of g.input) w.messageField(F.graph.input, (m) => writeValueInfo(m, v));
  for (const v of g.output) w.messageField(F.graph.output, (m) => writeValueInfo(m, v));
}

export function writeModel(w: ProtoWriter, m: ModelProto): void {
  w.varintField(F.model.irVersion, m.irVersion);
  if (m.producerName) w.stringField(F.model.producerName, m.producerName);
  if (m.producerVersion) w.stringField(F.model.producerVersion, m.producerVersion);
  w.messageField(F.model.graph, (g) => writeGraph(g, m.graph));
  for (const o of m.opsetImport) w.messageField(F.model.opsetImport, (op) => writeOperatorSetId(op, o));
}

/** Serializes a ModelProto. */
export function encodeModel(m: ModelProto): Uint8Array {
  const w = new ProtoWriter();
  writeModel(w, m);
  return w.finish();
}
