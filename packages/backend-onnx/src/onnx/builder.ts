/**
 * An append-only builder for a single ONNX graph: the lowering of nabla's primitives adds nodes
 * one by one and gets back fresh value names, then serializes the model for ONNX Runtime.
 */
import {
  type AttributeProto,
  AttributeType,
  DataType,
  encodeModel,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto.js';

export type OnnxType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool' | 'uint8' | 'uint32' | 'uint64';

export type Attr =
  | { int: number }
  | { float: number }
  | { ints: number[] }
  | { floats: number[] }
  | { string: string }
  | { strings: string[] }
  | { tensor: ConstTensor };

export interface ConstTensor {
  type: OnnxType;
  shape: number[];
  data: ArrayLike<number> | ArrayLike<bigint>;
}

/** The ONNX element type code of each type: the one table of them (Cast's `to`, tensor protos). */
export const DATA_TYPE: Record<OnnxType, DataType> = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  int32: DataType.INT32,
  int64: DataType.INT64,
  bool: DataType.BOOL,
  uint8: DataType.UINT8,
  uint32: DataType.UINT32,
  uint64: DataType.UINT64,
};

const BYTES_PER_ELEMENT: Record<OnnxType, number> = {
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
  bool: 1,
  uint8: 1,
  uint32: 4,
  uint64: 8,
};

/** The ONNX IR asks for C90 identifiers; generated names (`v12`, `c3`) already are. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkShape(shape: readonly (number | string)[], what: string): void {
  for (const d of shape) {
    if (typeof d === 'string') {
      if (!IDENTIFIER.test(d)) throw new Error(`${what}: dynamic axis name ${JSON.stringify(d)} is not an identifier`);
    } else if (!Number.isSafeInteger(d) || d < 0) {
      throw new Error(`${what}: dimension ${d} is not a non-negative integer`);
    }
  }
}

function toInteger(v: number | bigint, type: OnnxType): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (!Number.isInteger(n)) throw new RangeError(`constant of type ${type}: ${v} is not an integer`);
  return n;
}

function toBigInt(v: number | bigint, type: OnnxType): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isInteger(v)) throw new RangeError(`constant of type ${type}: ${v} is not an integer`);
  return BigInt(v);
}

/**
 * Element bytes, fixed-width little-endian as raw_data requires (DataView with `true`, so the
 * result does not depend on the host's endianness). Integer values out of range wrap modulo 2^bits,
 * like the typed-array constructors do, so e.g. -1 as uint32 is 0xffffffff.
 */
function rawData(t: ConstTensor): Uint8Array {
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) throw new Error(`constant: shape [${t.shape}] needs ${count} elements, data has ${t.data.length}`);
  const size = BYTES_PER_ELEMENT[t.type];
  const bytes = new Uint8Array(count * size);
  const view = new DataView(bytes.buffer);
  const data = t.data;
  for (let i = 0; i < count; i++) {
    const v = data[i];
    const o = i * size;
    switch (t.type) {
      case 'float32':
        view.setFloat32(o, Number(v), true);
        break;
      case 'float64':
        view.setFloat64(o, Number(v), true);
        break;
      case 'int32':
        view.setInt32(o, toInteger(v, t.type), true);
        break;
      case 'uint32':
        view.setUint32(o, toInteger(v, t.type), true);
        break;
      case 'uint8':
        view.setUint8(o, toInteger(v, t.type));
        break;
      case 'bool':
        view.setUint8(o, v ? 1 : 0);
        break;
      case 'int64':
        view.setBigInt64(o, toBigInt(v, t.type), true);
        break;
      case 'uint64':
        view.setBigUint64(o, toBigInt(v, t.type), true);
        break;
    }
  }
  return bytes;
}

/** FNV-1a, only to bucket constants for deduplication; equality is then checked byte by byte. */
function hashBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function tensorProto(t: ConstTensor): TensorProto {
  checkShape(t.shape, 'constant');
  return { dataType: DATA_TYPE[t.type], dims: t.shape, rawData: rawData(t) };
}

function attributeProto(name: string, a: Attr): AttributeProto {
  if ('int' in a) {
    if (!Number.isSafeInteger(a.int)) throw new RangeError(`attribute ${name}: ${a.int} is not an integer`);
    return { name, type: AttributeType.INT, i: a.int };
  }
  if ('float' in a) return { name, type: AttributeType.FLOAT, f: a.float };
  if ('ints' in a) {
    for (const v of a.ints) if (!Number.isSafeInteger(v)) throw new RangeError(`attribute ${name}: ${v} is not an integer`);
    return { name, type: AttributeType.INTS, ints: a.ints };
  }
  if ('floats' in a) return { name, type: AttributeType.FLOATS, floats: a.floats };
  if ('string' in a) return { name, type: AttributeType.STRING, s: a.string };
  if ('strings' in a) return { name, type: AttributeType.STRINGS, strings: a.strings };
  return { name, type: AttributeType.TENSOR, t: tensorProto(a.tensor) };
}

type ValueKind = 'input' | 'constant' | 'node';

export class OnnxGraphBuilder {
  private readonly opset: number;
  private readonly irVersion: number;
  private readonly name: string;

  /** Every value name in the graph and what produced it; one namespace, as ONNX requires. */
  private readonly values = new Map<string, ValueKind>();
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly nodes: NodeProto[] = [];
  /** Constants by `type|shape|byteLength|hash`, for deduplication. */
  private readonly constantsByKey = new Map<string, { bytes: Uint8Array; name: string }[]>();
  private counter = 0;

  constructor(opts?: { opset?: number; irVersion?: number; name?: string }) {
    this.opset = opts?.opset ?? 21;
    this.irVersion = opts?.irVersion ?? 10;
    this.name = opts?.name ?? 'nabla';
  }

  /**
   * A name nobody has used. User-chosen input/output names may look like generated ones
   * (`v3`), so the counter skips any taken name instead of assuming its own namespace.
   */
  private fresh(prefix: string): string {
    for (;;) {
      const name = `${prefix}${this.counter++}`;
      if (!this.values.has(name)) return name;
    }
  }

  private claim(name: string, kind: ValueKind, what: string): void {
    if (!IDENTIFIER.test(name)) throw new Error(`${what}: ${JSON.stringify(name)} is not a valid ONNX name (a C identifier)`);
    if (this.values.has(name)) throw new Error(`${what}: the name ${JSON.stringify(name)} is already used`);
    this.values.set(name, kind);
  }

  /** Declares a graph input; dims may be a number or a string (a dynamic axis name). Returns the name. */
  input(name: string, type: OnnxType, shape: (number | string)[]): string {
    checkShape(shape, `input ${name}`);
    this.claim(name, 'input', 'input');
    this.inputs.push({ name, elemType: DATA_TYPE[type], shape: [...shape] });
    return name;
  }

  /** Declares a graph output: the value `value` is exposed under `name` (an Identity node is added when the names differ or when value is a graph input). */
  output(name: string, value: string, type: OnnxType, shape: (number | string)[]): void {
    checkShape(shape, `output ${name}`);
    const kind = this.values.get(value);
    if (kind === undefined) throw new Error(`output ${name}: unknown value ${JSON.stringify(value)}`);
    if (this.outputs.some((o) => o.name === name)) throw new Error(`output ${name}: declared twice`);
    // A node output can be exposed under its own name. Graph inputs and initializers get an
    // Identity: ONNX Runtime rejects or special-cases graphs whose outputs are not produced by a
    // node, and an input cannot be an output under a new name without one.
    if (name !== value || kind !== 'node') {
      if (name === value) throw new Error(`output ${name}: a graph ${kind} cannot be an output under its own name; choose another name`);
      this.claim(name, 'node', 'output');
      this.nodes.push({ input: [value], output: [name], name: this.nodeName('Identity'), opType: 'Identity' });
    }
    this.outputs.push({ name, elemType: DATA_TYPE[type], shape: [...shape] });
  }

  /** A constant as an initializer (deduplicated: the same type/shape/data returns the same name). Returns its value name. */
  constant(t: ConstTensor): string {
    const proto = tensorProto(t);
    const key = `${t.type}|${t.shape.join(',')}|${proto.rawData.length}|${hashBytes(proto.rawData)}`;
    let bucket = this.constantsByKey.get(key);
    if (bucket === undefined) this.constantsByKey.set(key, (bucket = []));
    const existing = bucket.find((c) => sameBytes(c.bytes, proto.rawData));
    if (existing !== undefined) return existing.name;
    const name = this.fresh('c');
    this.values.set(name, 'constant');
    // Copy the shape: the caller's array may be reused and mutated after this call.
    this.initializers.push({ ...proto, name, dims: [...t.shape] });
    bucket.push({ bytes: proto.rawData, name });
    return name;
  }

  /** Adds a node and returns its output value names (fresh unique names); `outputs` says how many. */
  node(opType: string, inputs: string[], attrs?: Record<string, Attr>, outputs = 1): string[] {
    if (!Number.isInteger(outputs) || outputs < 0) throw new Error(`${opType}: bad output count ${outputs}`);
    for (const i of inputs) {
      // "" is ONNX's marker for an omitted optional input. Checking the others here catches
      // lowering bugs at build time, and guarantees the node list stays topologically sorted.
      if (i !== '' && !this.values.has(i)) throw new Error(`${opType}: unknown input value ${JSON.stringify(i)}`);
    }
    const attribute = Object.entries(attrs ?? {}).map(([k, a]) => attributeProto(k, a));
    const names: string[] = [];
    for (let k = 0; k < outputs; k++) {
      const name = this.fresh('v');
      this.values.set(name, 'node');
      names.push(name);
    }
    this.nodes.push({ input: [...inputs], output: names, name: this.nodeName(opType), opType, attribute });
    return names;
  }

  /** Shorthand for a single-output node. */
  op(opType: string, inputs: string[], attrs?: Record<string, Attr>): string {
    return this.node(opType, inputs, attrs, 1)[0];
  }

  /** Cast to an element type, by name rather than by ONNX's numeric code. */
  cast(x: string, to: OnnxType): string {
    return this.op('Cast', [x], { to: { int: DATA_TYPE[to] } });
  }

  /** A scalar constant of an element type: the operands of broadcast arithmetic, Where, Clip and Pad. */
  scalar(type: OnnxType, value: number): string {
    return this.constant({ type, shape: [], data: [value] });
  }

  /** An int64 vector constant: the shapes, axes, pads and bounds that ONNX ops take as inputs. */
  int64s(values: readonly number[]): string {
    return this.constant({ type: 'int64', shape: [values.length], data: values.map(BigInt) });
  }

  /** Reshape with allowzero: a 0 in the target shape means size 0, not "copy this dim" (ONNX's default). */
  reshape(x: string, shape: readonly number[]): string {
    return this.op('Reshape', [x, this.int64s(shape)], { allowzero: { int: 1 } });
  }

  /** Node names are optional in ONNX but make ONNX Runtime's error messages point at a node. */
  private nodeName(opType: string): string {
    return `n${this.nodes.length}_${opType}`;
  }

  /** Nodes added so far; node i is named `n${i}_${opType}` (how errors from onnxruntime name it). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /**
   * The nodes and initializers the outputs depend on, in order. Lowering may emit a node and
   * later find a cheaper way to the same values (packing reads a concatenation's parts rather
   * than the concatenation); what nothing reads is left out of the model, since onnxruntime
   * would run it.
   */
  private live(): { nodes: NodeProto[]; initializers: TensorProto[] } {
    const needed = new Set(this.outputs.map((o) => o.name));
    const nodes: NodeProto[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i];
      if (!node.output.some((o) => needed.has(o))) continue;
      nodes.push(node);
      for (const v of node.input) needed.add(v);
    }
    return { nodes: nodes.reverse(), initializers: this.initializers.filter((t) => needed.has(t.name as string)) };
  }

  /** The op types of the nodes the model will have (see live). */
  get liveOpTypes(): string[] {
    return this.live().nodes.map((n) => n.opType);
  }

  /**
   * The graph toBytes encodes (see live), for passes that rewrite a finished graph before it is
   * encoded (export's opset fitting and external data). The nodes and tensors are the builder's
   * own: a pass makes new ones rather than changing these.
   */
  liveGraph(): { name: string; nodes: NodeProto[]; initializers: TensorProto[]; inputs: ValueInfoProto[]; outputs: ValueInfoProto[] } {
    const { nodes, initializers } = this.live();
    return { name: this.name, nodes, initializers, inputs: [...this.inputs], outputs: [...this.outputs] };
  }

  toBytes(): Uint8Array {
    const { nodes, initializers } = this.live();
    return this.encode(nodes, initializers, this.inputs, this.outputs);
  }

  private encode(node: NodeProto[], initializer: TensorProto[], input: ValueInfoProto[], output: ValueInfoProto[]): Uint8Array {
    return encodeModel({
      irVersion: this.irVersion,
      opsetImport: [{ domain: '', version: this.opset }],
      producerName: 'nabla',
      graph: { name: this.name, node, initializer, input, output },
    });
  }

  /**
   * The model's nodes (see live), and the element type and shape of its graph inputs and
   * constants: with the types of the nodes' results (typesModel), enough to probe one node alone.
   */
  liveNodes(): { nodes: NodeProto[]; declared: Map<string, ValueInfoProto> } {
    const { nodes, initializers } = this.live();
    const declared = new Map<string, ValueInfoProto>(this.inputs.map((v) => [v.name, v]));
    for (const t of initializers) declared.set(t.name as string, { name: t.name as string, elemType: t.dataType, shape: t.dims });
    return { nodes, declared };
  }

  /**
   * The model with every node's results also graph outputs, untyped: onnxruntime infers their
   * types and shapes when it loads it, and a session's output metadata reports them.
   */
  typesModel(): Uint8Array {
    const { nodes, initializers } = this.live();
    const outputs = new Map(this.outputs.map((o) => [o.name, o]));
    for (const n of nodes) for (const o of n.output) if (o !== '' && !outputs.has(o)) outputs.set(o, { name: o });
    return this.encode(nodes, initializers, this.inputs, [...outputs.values()]);
  }

  /** A model of one node alone: its operands are graph inputs and its results graph outputs, as `info` declares them. */
  nodeModel(node: NodeProto, info: (value: string) => ValueInfoProto): Uint8Array {
    const inputs = [...new Set(node.input.filter((i) => i !== ''))].map(info);
    const outputs = node.output.filter((o) => o !== '').map(info);
    return this.encode([node], [], inputs, outputs);
  }
}
