import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { type Attr, type ConstTensor, DATA_TYPE, OnnxGraphBuilder, type OnnxType } from './builder.js';
import { ProtoWriter } from './proto.js';

// One WASM thread: the test machine may have few cores, and results must not depend on threading.
ortWeb.env.wasm.numThreads = 1;

type Runtime = 'node' | 'web';
type TensorCtor = typeof ort.Tensor;

interface Feed {
  type: OnnxType;
  data: readonly number[] | readonly bigint[] | readonly boolean[];
  dims: number[];
}

function tensor(T: TensorCtor, f: Feed): ort.Tensor {
  const nums = f.data as readonly number[];
  const ints = f.data as readonly (number | bigint)[];
  switch (f.type) {
    case 'float32':
      return new T('float32', Float32Array.from(nums), f.dims);
    case 'float64':
      return new T('float64', Float64Array.from(nums), f.dims);
    case 'int32':
      return new T('int32', Int32Array.from(nums), f.dims);
    case 'uint32':
      return new T('uint32', Uint32Array.from(nums), f.dims);
    case 'uint8':
      return new T('uint8', Uint8Array.from(nums), f.dims);
    case 'bool':
      return new T(
        'bool',
        Uint8Array.from(f.data as readonly boolean[], (b) => (b ? 1 : 0)),
        f.dims,
      );
    case 'int64':
      return new T(
        'int64',
        BigInt64Array.from(ints, (v) => BigInt(v)),
        f.dims,
      );
    case 'uint64':
      return new T(
        'uint64',
        BigUint64Array.from(ints, (v) => BigInt(v)),
        f.dims,
      );
  }
}

async function createSession(bytes: Uint8Array, runtime: Runtime): Promise<ort.InferenceSession> {
  if (runtime === 'node') return ort.InferenceSession.create(bytes);
  // 'wasm' explicitly: if both packages ever shared one onnxruntime-common instance, the default
  // backend would be the higher-priority native one and this would silently not test the WASM build.
  // (onnxruntime-web's types are onnxruntime-common's, the same declarations onnxruntime-node uses.)
  return ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
}

async function runOn(runtime: Runtime, b: OnnxGraphBuilder, feeds: Record<string, Feed>): Promise<Record<string, ort.Tensor>> {
  const session = await createSession(b.toBytes(), runtime);
  try {
    const T = runtime === 'node' ? ort.Tensor : ortWeb.Tensor;
    const inputs: Record<string, ort.Tensor> = {};
    for (const [k, f] of Object.entries(feeds)) inputs[k] = tensor(T, f);
    return (await session.run(inputs)) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

const run = (b: OnnxGraphBuilder, feeds: Record<string, Feed>) => runOn('node', b, feeds);

function values(t: ort.Tensor): unknown[] {
  return Array.from(t.data as ArrayLike<unknown>);
}

const f32 = (data: number[], dims: number[]): Feed => ({ type: 'float32', data, dims });

describe('ProtoWriter', () => {
  const bytes = (write: (w: ProtoWriter) => void) => {
    const w = new ProtoWriter();
    write(w);
    return Array.from(w.finish());
  };

  it('encodes varints, including 64-bit and negative values', () => {
    expect(bytes((w) => w.varint(0))).toEqual([0]);
    expect(bytes((w) => w.varint(127))).toEqual([0x7f]);
    expect(bytes((w) => w.varint(128))).toEqual([0x80, 0x01]);
    expect(bytes((w) => w.varint(300))).toEqual([0xac, 0x02]);
    expect(bytes((w) => w.varint(2 ** 32))).toEqual([0x80, 0x80, 0x80, 0x80, 0x10]);
    expect(bytes((w) => w.varint(Number.MAX_SAFE_INTEGER))).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    // Negative int64 is its 64-bit two's complement: ten bytes.
    expect(bytes((w) => w.varint(-1))).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(bytes((w) => w.varint(-1n))).toEqual(bytes((w) => w.varint(-1)));
    expect(bytes((w) => w.varint((1n << 64n) - 1n))).toEqual(bytes((w) => w.varint(-1)));
    expect(bytes((w) => w.varint(-(1n << 63n)))).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(() => bytes((w) => w.varint(1n << 64n))).toThrow(RangeError);
    expect(() => bytes((w) => w.varint(1.5))).toThrow(RangeError);
    expect(() => bytes((w) => w.varint(2 ** 60))).toThrow(RangeError);
  });

  it('encodes field keys and fixed-width, length-delimited and packed fields', () => {
    expect(bytes((w) => w.varintField(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytes((w) => w.stringField(2, 'testing'))).toEqual([0x12, 0x07, ...new TextEncoder().encode('testing')]);
    expect(bytes((w) => w.floatField(2, 1))).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytes((w) => w.doubleField(10, 1))).toEqual([0x51, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(bytes((w) => w.packedVarints(4, [3, 270, 86942]))).toEqual([0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
    expect(bytes((w) => w.packedFloats(7, [1, -2]))).toEqual([0x3a, 0x08, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
    expect(bytes((w) => w.packedDoubles(10, [1]))).toEqual([0x52, 0x08, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(bytes((w) => w.packedVarints(4, []))).toEqual([]);
    // Field 20 (AttributeProto.type) needs a two-byte key.
    expect(bytes((w) => w.varintField(20, 2))).toEqual([0xa0, 0x01, 0x02]);
  });

  it('nests messages, adopting large chunks without corrupting the order', () => {
    const big = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    const out = new Uint8Array(
      bytes((w) => {
        w.varintField(1, 1);
        w.messageField(2, (m) => {
          m.varintField(1, 2);
          m.bytesField(3, big);
          m.varintField(4, 5);
        });
        w.varintField(3, 7);
      }),
    );
    // key(1) 1 | key(2,LEN) len(2+3+5000+2=5007 -> 0x8f 0x27) | key 1 | 2 | key(3,LEN) len(5000 -> 0x88 0x27) | big | key(4) 5 | key(3) 7
    expect(Array.from(out.subarray(0, 9))).toEqual([0x08, 0x01, 0x12, 0x8f, 0x27, 0x08, 0x02, 0x1a, 0x88]);
    expect(out[9]).toBe(0x27);
    expect(out.subarray(10, 5010)).toEqual(big);
    expect(Array.from(out.subarray(5010))).toEqual([0x20, 0x05, 0x18, 0x07]);
  });
});

describe('OnnxGraphBuilder on onnxruntime-node', () => {
  it('Add with broadcasting', async () => {
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'float32', [2, 3]);
    const y = b.input('y', 'float32', [3]);
    b.output('z', b.op('Add', [x, y]), 'float32', [2, 3]);
    const out = await run(b, { x: f32([1, 2, 3, 4, 5, 6], [2, 3]), y: f32([10, 20, 30], [3]) });
    expect(out.z.dims).toEqual([2, 3]);
    expect(values(out.z)).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it('MatMul', async () => {
    const b = new OnnxGraphBuilder();
    const a = b.input('a', 'float32', [2, 3]);
    const w = b.constant({ type: 'float32', shape: [3, 2], data: [1, 2, 3, 4, 5, 6] });
    b.output('y', b.op('MatMul', [a, w]), 'float32', [2, 2]);
    const out = await run(b, { a: f32([1, 0, 2, -1, 1, 0.5], [2, 3]) });
    expect(values(out.y)).toEqual([11, 14, 4.5, 5]);
  });

  it('int and ints attributes: Transpose perm, ReduceSum with an int64 axes input and keepdims', async () => {
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'float32', [2, 3]);
    const t = b.op('Transpose', [x], { perm: { ints: [1, 0] } });
    const axes = b.constant({ type: 'int64', shape: [1], data: [1] });
    b.output('t', t, 'float32', [3, 2]);
    b.output('s0', b.op('ReduceSum', [t, axes], { keepdims: { int: 0 } }), 'float32', [3]);
    b.output('s1', b.op('ReduceSum', [t, axes], { keepdims: { int: 1 } }), 'float32', [3, 1]);
    const out = await run(b, { x: f32([1, 2, 3, 4, 5, 6], [2, 3]) });
    expect(out.t.dims).toEqual([3, 2]);
    expect(values(out.t)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(out.s0.dims).toEqual([3]);
    expect(values(out.s0)).toEqual([5, 7, 9]);
    expect(out.s1.dims).toEqual([3, 1]);
    expect(values(out.s1)).toEqual([5, 7, 9]);
  });

  it('float attribute: LeakyRelu alpha', async () => {
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'float32', [4]);
    b.output('y', b.op('LeakyRelu', [x], { alpha: { float: 0.25 } }), 'float32', [4]);
    const out = await run(b, { x: f32([-4, -1, 0, 3], [4]) });
    expect(values(out.y)).toEqual([-1, -0.25, 0, 3]);
  });

  it('Cast to a type named as nabla names it', async () => {
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'float32', [4]);
    b.output('i', b.cast(x, 'int32'), 'int32', [4]);
    b.output('d', b.cast(x, 'float64'), 'float64', [4]);
    b.output('p', b.cast(x, 'bool'), 'bool', [4]);
    const out = await run(b, { x: f32([-2.5, 0, 1.75, 3], [4]) });
    expect(out.i.type).toBe('int32');
    expect(values(out.i)).toEqual([-2, 0, 1, 3]);
    expect(out.d.type).toBe('float64');
    expect(values(out.d)).toEqual([-2.5, 0, 1.75, 3]);
    expect(out.p.type).toBe('bool');
    // bool tensors come back as a Uint8Array of 0/1, not as booleans.
    expect(out.p.data).toBeInstanceOf(Uint8Array);
    expect(values(out.p)).toEqual([1, 0, 1, 1]);
  });

  it('float64, int32, int64 and bool inputs and outputs', async () => {
    const b = new OnnxGraphBuilder();
    const d = b.input('d', 'float64', [2]);
    const i = b.input('i', 'int32', [2]);
    const l = b.input('l', 'int64', [2]);
    const p = b.input('p', 'bool', [2]);
    b.output('d2', b.op('Mul', [d, d]), 'float64', [2]);
    b.output('i2', b.op('Sub', [i, b.constant({ type: 'int32', shape: [], data: [1] })]), 'int32', [2]);
    // Beyond 2^53, so int64 is carried exactly through bigint in both the constant and the feed.
    const big = b.constant({ type: 'int64', shape: [2], data: [2n ** 60n, -(2n ** 62n)] });
    b.output('l2', b.op('Add', [l, big]), 'int64', [2]);
    b.output('np', b.op('Not', [p]), 'bool', [2]);
    b.output('gt', b.op('Greater', [d, b.constant({ type: 'float64', shape: [], data: [0.1] })]), 'bool', [2]);
    const out = await run(b, {
      d: { type: 'float64', data: [0.1, -3], dims: [2] },
      i: { type: 'int32', data: [-2147483647, 7], dims: [2] },
      l: { type: 'int64', data: [5n, -7n], dims: [2] },
      p: { type: 'bool', data: [true, false], dims: [2] },
    });
    expect(values(out.d2)).toEqual([0.1 * 0.1, 9]);
    expect(values(out.i2)).toEqual([-2147483648, 6]);
    expect(values(out.l2)).toEqual([2n ** 60n + 5n, -(2n ** 62n) - 7n]);
    expect(values(out.np)).toEqual([0, 1]);
    expect(values(out.gt)).toEqual([0, 0]);
  });

  it('deduplicates constants by type, shape and data', async () => {
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'float32', [3]);
    const c1 = b.constant({ type: 'float32', shape: [3], data: [1, 2, 3] });
    const sizeAfterOne = b.toBytes().length;
    const c2 = b.constant({ type: 'float32', shape: [3], data: Float32Array.of(1, 2, 3) });
    expect(c2).toBe(c1);
    expect(b.toBytes().length).toBe(sizeAfterOne);
    // Same bytes under another type or shape, or another value, is another constant. (A second
    // builder, so the model that runs has no unused initializers for ONNX Runtime to warn about.)
    const o = new OnnxGraphBuilder();
    const oc = o.constant({ type: 'float32', shape: [3], data: [1, 2, 3] });
    expect(o.constant({ type: 'int32', shape: [1], data: [0] })).not.toBe(o.constant({ type: 'float32', shape: [1], data: [0] }));
    expect(o.constant({ type: 'float32', shape: [3, 1], data: [1, 2, 3] })).not.toBe(oc);
    expect(o.constant({ type: 'float32', shape: [3], data: [1, 2, 4] })).not.toBe(oc);
    // -0 and 0 differ in their bits, and a constant must keep the sign of zero.
    expect(o.constant({ type: 'float32', shape: [], data: [-0] })).not.toBe(o.constant({ type: 'float32', shape: [], data: [0] }));
    expect(o.constant({ type: 'float32', shape: [3], data: [1, 2, 3] })).toBe(oc);
    const y = b.op('Mul', [b.op('Add', [x, c1]), c2]);
    b.output('y', y, 'float32', [3]);
    const out = await run(b, { x: f32([1, 1, 1], [3]) });
    expect(values(out.y)).toEqual([2, 6, 12]);
  });

  it('constants: scalars, empty tensors, large tensors, uint/64-bit data from numbers and bigints', async () => {
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'float32', [2]);
    const empty = b.constant({ type: 'float32', shape: [0], data: [] });
    b.output('cat', b.op('Concat', [x, empty], { axis: { int: 0 } }), 'float32', [2]);
    const n = 3000; // larger than the writer's adoption threshold, so raw_data is a by-reference chunk
    const big = b.constant({ type: 'float32', shape: [n], data: Float32Array.from({ length: n }, (_, i) => i) });
    b.output('sum', b.op('ReduceSum', [big], { keepdims: { int: 0 } }), 'float32', []);
    b.output('u32', b.op('Identity', [b.constant({ type: 'uint32', shape: [2], data: [0xffffffff, -1] })]), 'uint32', [2]);
    b.output('u64', b.op('Identity', [b.constant({ type: 'uint64', shape: [2], data: [2n ** 64n - 1n, 3n] })]), 'uint64', [2]);
    b.output('u8', b.op('Identity', [b.constant({ type: 'uint8', shape: [2], data: [255, 7] })]), 'uint8', [2]);
    b.output('bl', b.op('Identity', [b.constant({ type: 'bool', shape: [3], data: [1, 0, 2] })]), 'bool', [3]);
    const out = await run(b, { x: f32([1, 2], [2]) });
    expect(values(out.cat)).toEqual([1, 2]);
    expect(out.sum.dims).toEqual([]);
    expect(values(out.sum)).toEqual([(n * (n - 1)) / 2]);
    expect(values(out.u32)).toEqual([0xffffffff, 0xffffffff]);
    expect(values(out.u64)).toEqual([2n ** 64n - 1n, 3n]);
    expect(values(out.u8)).toEqual([255, 7]);
    expect(values(out.bl)).toEqual([1, 0, 1]);
  });

  it('rejects constants whose data does not match the shape or type', () => {
    const b = new OnnxGraphBuilder();
    expect(() => b.constant({ type: 'float32', shape: [2, 2], data: [1, 2, 3] })).toThrow(/needs 4 elements/);
    expect(() => b.constant({ type: 'int32', shape: [1], data: [1.5] })).toThrow(/not an integer/);
    expect(() => b.constant({ type: 'int64', shape: [1], data: [0.5] })).toThrow(/not an integer/);
    expect(() => b.constant({ type: 'float32', shape: [-1], data: [] })).toThrow(/non-negative/);
  });

  it('tensor, floats, ints and string attributes (Constant, ConstantOfShape, BitShift)', async () => {
    const b = new OnnxGraphBuilder();
    const shape = b.constant({ type: 'int64', shape: [2], data: [2, 3] });
    const value: ConstTensor = { type: 'float32', shape: [1], data: [7] };
    b.output('filled', b.op('ConstantOfShape', [shape], { value: { tensor: value } }), 'float32', [2, 3]);
    b.output('fl', b.op('Constant', [], { value_floats: { floats: [1.5, -2] } }), 'float32', [2]);
    // Large and negative int64 attribute values exercise 64-bit varints in `ints`.
    b.output('in', b.op('Constant', [], { value_ints: { ints: [2 ** 40, -3, 0] } }), 'int64', [3]);
    b.output('i1', b.op('Constant', [], { value_int: { int: -5 } }), 'int64', []);
    const u = b.input('u', 'uint32', [2]);
    const sh = b.constant({ type: 'uint32', shape: [], data: [4] });
    b.output('shr', b.op('BitShift', [u, sh], { direction: { string: 'RIGHT' } }), 'uint32', [2]);
    const out = await run(b, { u: { type: 'uint32', data: [0xf0000000, 0x100], dims: [2] } });
    expect(out.filled.dims).toEqual([2, 3]);
    expect(values(out.filled)).toEqual([7, 7, 7, 7, 7, 7]);
    expect(values(out.fl)).toEqual([1.5, -2]);
    expect(values(out.in)).toEqual([2n ** 40n, -3n, 0n]);
    expect(values(out.i1)).toEqual([-5n]);
    expect(values(out.shr)).toEqual([0x0f000000, 0x10]);
  });

  it('empty input names mark omitted optional inputs (Clip without min)', async () => {
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'float32', [4]);
    const max = b.constant({ type: 'float32', shape: [], data: [1] });
    b.output('y', b.op('Clip', [x, '', max]), 'float32', [4]);
    const out = await run(b, { x: f32([-5, 0.5, 1, 9], [4]) });
    expect(values(out.y)).toEqual([-5, 0.5, 1, 1]);
  });

  it('multi-output nodes (Split, TopK)', async () => {
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'float32', [5]);
    const split = b.constant({ type: 'int64', shape: [2], data: [2, 3] });
    const [p, q] = b.node('Split', [x, split], { axis: { int: 0 } }, 2);
    expect(p).not.toBe(q);
    b.output('p', p, 'float32', [2]);
    b.output('q', q, 'float32', [3]);
    const k = b.constant({ type: 'int64', shape: [1], data: [2] });
    const [vals, idx] = b.node('TopK', [x, k], {}, 2);
    b.output('vals', vals, 'float32', [2]);
    b.output('idx', idx, 'int64', [2]);
    const out = await run(b, { x: f32([3, 9, 1, 7, 5], [5]) });
    expect(values(out.p)).toEqual([3, 9]);
    expect(values(out.q)).toEqual([1, 7, 5]);
    expect(values(out.vals)).toEqual([9, 7]);
    expect(values(out.idx)).toEqual([1n, 3n]);
  });

  it('outputs: a graph input or a constant goes through Identity; one value may have several names', async () => {
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'float32', [2]);
    b.output('same', x, 'float32', [2]);
    const c = b.constant({ type: 'float32', shape: [2], data: [4, 5] });
    b.output('k', c, 'float32', [2]);
    const y = b.op('Neg', [x]);
    b.output(y, y, 'float32', [2]); // a node output under its own name: no Identity needed
    b.output('y_again', y, 'float32', [2]);
    const out = await run(b, { x: f32([1, -2], [2]) });
    expect(values(out.same)).toEqual([1, -2]);
    expect(values(out.k)).toEqual([4, 5]);
    expect(values(out[y])).toEqual([-1, 2]);
    expect(values(out.y_again)).toEqual([-1, 2]);
  });

  it('validates names', () => {
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'float32', [1]);
    expect(() => b.input('x', 'float32', [1])).toThrow(/already used/);
    expect(() => b.input('bad name', 'float32', [1])).toThrow(/not a valid ONNX name/);
    expect(() => b.input('', 'float32', [1])).toThrow(/not a valid ONNX name/);
    expect(() => b.input('z', 'float32', ['not ok'])).toThrow(/not an identifier/);
    expect(() => b.op('Neg', ['nope'])).toThrow(/unknown input value "nope"/);
    expect(() => b.output('x', x, 'float32', [1])).toThrow(/own name/);
    expect(() => b.output('o', 'nope', 'float32', [1])).toThrow(/unknown value/);
    b.output('o', x, 'float32', [1]);
    expect(() => b.output('o', x, 'float32', [1])).toThrow(/declared twice/);
    expect(() => b.output('x2', b.op('Neg', [x]), 'float32', [1])).not.toThrow();
    expect(() => b.output('o2', x, 'float32', [1.5])).toThrow(/non-negative integer/);
  });

  it('user names that look like generated ones do not collide', async () => {
    const b = new OnnxGraphBuilder();
    const v0 = b.input('v0', 'float32', [1]);
    const c0 = b.input('c0', 'float32', [1]);
    const k = b.constant({ type: 'float32', shape: [1], data: [10] });
    const s = b.op('Add', [v0, c0]);
    expect(new Set([v0, c0, k, s]).size).toBe(4);
    b.output('y', b.op('Add', [s, k]), 'float32', [1]);
    // A generated name is taken once produced.
    expect(() => b.input(s, 'float32', [1])).toThrow(/already used/);
    const out = await run(b, { v0: f32([1], [1]), c0: f32([2], [1]) });
    expect(values(out.y)).toEqual([13]);
  });

  it('a dynamic batch axis accepts different batch sizes in one session', async () => {
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'float32', ['batch', 3]);
    const w = b.constant({ type: 'float32', shape: [3, 1], data: [1, 10, 100] });
    b.output('y', b.op('MatMul', [x, w]), 'float32', ['batch', 1]);
    const session = await ort.InferenceSession.create(b.toBytes());
    try {
      const r2 = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]) });
      expect(r2.y.dims).toEqual([2, 1]);
      expect(values(r2.y)).toEqual([321, 654]);
      const r5 = await session.run({ x: new ort.Tensor('float32', new Float32Array(15).fill(1), [5, 3]) });
      expect(r5.y.dims).toEqual([5, 1]);
      expect(values(r5.y)).toEqual([111, 111, 111, 111, 111]);
      // The symbolic name is what the session reports as the input's shape.
      const meta = session.inputMetadata[0];
      expect(meta.isTensor && meta.shape).toEqual(['batch', 3]);
    } finally {
      await session.release();
    }
  });

  it('honours opset and IR version options', async () => {
    // opset 13 has ReduceSum with axes as an input but Split without num_outputs: a smoke test
    // that the opset_import is what ONNX Runtime resolves operators against.
    const b = new OnnxGraphBuilder({ opset: 13, irVersion: 7, name: 'old' });
    const x = b.input('x', 'float32', [2, 2]);
    b.output('y', b.op('ReduceSum', [x, b.constant({ type: 'int64', shape: [1], data: [0] })], { keepdims: { int: 0 } }), 'float32', [2]);
    expect(values((await run(b, { x: f32([1, 2, 3, 4], [2, 2]) })).y)).toEqual([4, 6]);
    // ReduceSum-11 takes axes as an attribute and has no second input.
    const old = new OnnxGraphBuilder({ opset: 11, irVersion: 6 });
    const xo = old.input('x', 'float32', [2, 2]);
    old.output('y', old.op('ReduceSum', [xo], { axes: { ints: [1] }, keepdims: { int: 0 } }), 'float32', [2]);
    expect(values((await run(old, { x: f32([1, 2, 3, 4], [2, 2]) })).y)).toEqual([3, 7]);
  });
});

// ---------------------------------------------------------------------------------------------
// Integer ops: which op/type combinations ONNX Runtime accepts decides how Philox is lowered.
// Expected values come from BigInt arithmetic wrapped to the type's width.
// ---------------------------------------------------------------------------------------------

type IntType = 'uint8' | 'uint32' | 'uint64' | 'int32' | 'int64';
const INT_TYPES: IntType[] = ['uint8', 'uint32', 'uint64', 'int32', 'int64'];
const BITS: Record<IntType, number> = { uint8: 8, uint32: 32, uint64: 64, int32: 32, int64: 64 };
const signed = (t: IntType) => t.startsWith('int');
const wrap = (t: IntType, v: bigint) => (signed(t) ? BigInt.asIntN(BITS[t], v) : BigInt.asUintN(BITS[t], v));

/** Operands per type: large values that overflow under Mul/Add, negatives for signed types, no zero divisors. */
function operands(t: IntType): { a: bigint[]; b: bigint[]; shift: bigint[] } {
  const raw = [0xd2511f53n, 7n, -1n, 0x7fffffffn];
  const rhs = [0x9e3779b9n, 3n, -1n, 2n];
  const bits = BigInt(BITS[t]);
  return { a: raw.map((v) => wrap(t, v)), b: rhs.map((v) => wrap(t, v)), shift: [bits / 2n, 1n, bits - 1n, 0n] };
}

interface IntCase {
  op: string;
  type: IntType;
  attrs?: Record<string, Attr>;
  a: bigint[];
  b?: bigint[];
  outType: IntType | 'float32';
  expected: bigint[] | number[];
}

function intCases(): IntCase[] {
  const cases: IntCase[] = [];
  for (const t of INT_TYPES) {
    const { a, b, shift } = operands(t);
    const bin = (op: string, f: (x: bigint, y: bigint) => bigint, rhs = b, attrs?: Record<string, Attr>) =>
      cases.push({ op, type: t, attrs, a, b: rhs, outType: t, expected: a.map((x, i) => wrap(t, f(x, rhs[i]))) });
    bin('Add', (x, y) => x + y);
    bin('Sub', (x, y) => x - y);
    bin('Mul', (x, y) => x * y);
    bin('Div', (x, y) => x / y); // BigInt division truncates toward zero, like C++
    bin('Mod', (x, y) => {
      // Mod with fmod=0: the result takes the divisor's sign (Python-style).
      const r = x % y;
      return r !== 0n && r < 0n !== y < 0n ? r + y : r;
    });
    bin('BitwiseAnd', (x, y) => x & y);
    bin('BitwiseOr', (x, y) => x | y);
    bin('BitwiseXor', (x, y) => x ^ y);
    cases.push({ op: 'BitwiseNot', type: t, a, outType: t, expected: a.map((x) => wrap(t, ~x)) });
    bin('BitShift', (x, s) => x << s, shift, { direction: { string: 'LEFT' } });
    bin('BitShift', (x, s) => x >> s, shift, { direction: { string: 'RIGHT' } });
    for (const to of INT_TYPES) {
      cases.push({ op: 'Cast', type: t, attrs: { to: { int: DATA_TYPE[to] } }, a, outType: to, expected: a.map((x) => wrap(to, x)) });
    }
    if (BITS[t] <= 32) {
      // Exactly representable in a double, so Math.fround rounds once, as static_cast<float> does.
      cases.push({
        op: 'Cast',
        type: t,
        attrs: { to: { int: DATA_TYPE.float32 } },
        a,
        outType: 'float32',
        expected: a.map((x) => Math.fround(Number(x))),
      });
    }
  }
  return cases;
}

/** BitShift is defined for unsigned types only (ONNX spec); ONNX Runtime rejects signed ones at load. */
const unsupported = (c: IntCase) => c.op === 'BitShift' && signed(c.type);

function label(c: IntCase): string {
  const dir = c.attrs?.direction as { string: string } | undefined;
  return `${c.op}${dir ? `(${dir.string})` : ''} ${c.type}${c.op === 'Cast' ? ` -> ${c.outType}` : ''}`;
}

function intModel(c: IntCase): OnnxGraphBuilder {
  const b = new OnnxGraphBuilder();
  const ins = [b.input('a', c.type, [c.a.length])];
  if (c.b !== undefined) ins.push(b.input('b', c.type, [c.b.length]));
  b.output('y', b.op(c.op, ins, c.attrs), c.outType, [c.a.length]);
  return b;
}

function intFeeds(c: IntCase): Record<string, Feed> {
  const feed = (xs: bigint[]): Feed => ({ type: c.type, data: BITS[c.type] === 64 ? xs : xs.map(Number), dims: [xs.length] });
  return c.b === undefined ? { a: feed(c.a) } : { a: feed(c.a), b: feed(c.b) };
}

describe.each(['node', 'web'] as const)('integer ops on onnxruntime-%s', (runtime) => {
  const cases = intCases();

  it.each(cases.filter((c) => !unsupported(c)).map((c) => [label(c), c] as const))('%s', async (_, c) => {
    const out = await runOn(runtime, intModel(c), intFeeds(c));
    const got = values(out.y);
    expect(c.outType === 'float32' ? got : got.map((v) => BigInt(v as number | bigint))).toEqual(c.expected);
  });

  it.each(cases.filter(unsupported).map((c) => [label(c), c] as const))('%s is rejected', async (_, c) => {
    await expect(runOn(runtime, intModel(c), intFeeds(c))).rejects.toThrow(
      `Type 'tensor(${c.type})' of input parameter (a) of operator (BitShift) in node (n0_BitShift) is invalid`,
    );
  });

  it('Philox mulhilo32 through uint64: Cast, Mul, BitShift, Cast', async () => {
    // hi/lo halves of a 32x32 -> 64-bit product, the core of a Philox round.
    const M = 0xd2511f53;
    const xs = [0, 1, 0xffffffff, 0x12345678, 0x9e3779b9, 0xdeadbeef];
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'uint32', ['n']);
    const x64 = b.cast(x, 'uint64');
    const prod = b.op('Mul', [x64, b.constant({ type: 'uint64', shape: [], data: [M] })]);
    const hi = b.cast(
      b.op('BitShift', [prod, b.constant({ type: 'uint64', shape: [], data: [32] })], { direction: { string: 'RIGHT' } }),
      'uint32',
    );
    const lo = b.cast(prod, 'uint32'); // Cast to a narrower unsigned type truncates
    const loDirect = b.op('Mul', [x, b.constant({ type: 'uint32', shape: [], data: [M] })]); // uint32 Mul wraps
    b.output('hi', hi, 'uint32', ['n']);
    b.output('lo', lo, 'uint32', ['n']);
    b.output('lo_direct', loDirect, 'uint32', ['n']);
    const out = await runOn(runtime, b, { x: { type: 'uint32', data: xs, dims: [xs.length] } });
    const full = xs.map((v) => BigInt(v) * BigInt(M));
    expect(values(out.hi)).toEqual(full.map((p) => Number(p >> 32n)));
    expect(values(out.lo)).toEqual(full.map((p) => Number(p & 0xffffffffn)));
    expect(values(out.lo_direct)).toEqual(full.map((p) => Number(p & 0xffffffffn)));
  });
});

describe('onnxruntime-web in Node', () => {
  it('runs the same bytes as onnxruntime-node with the same result', async () => {
    const b = new OnnxGraphBuilder();
    const x = b.input('x', 'float32', ['batch', 3]);
    const w = b.constant({ type: 'float32', shape: [3, 2], data: [0.5, -1, 2, 0.25, -3, 1] });
    const bias = b.constant({ type: 'float32', shape: [2], data: [0.125, -0.5] });
    const h = b.op('Add', [b.op('MatMul', [x, w]), bias]);
    const y = b.op('LeakyRelu', [h], { alpha: { float: 0.5 } });
    b.output('y', y, 'float32', ['batch', 2]);
    b.output('pos', b.op('Greater', [y, b.constant({ type: 'float32', shape: [], data: [0] })]), 'bool', ['batch', 2]);
    const feeds = { x: f32([1, 2, 3, -1, 0.5, 4], [2, 3]) };
    const native = await runOn('node', b, feeds);
    const web = await runOn('web', b, feeds);
    expect(web.y.dims).toEqual([2, 2]);
    expect(values(web.y)).toEqual(values(native.y));
    expect(values(web.y)).toEqual([-2.1875, 2, -5.6875, 4.625]);
    expect(web.pos.data).toBeInstanceOf(Uint8Array);
    expect(values(web.pos)).toEqual(values(native.pos));
    expect(values(web.pos)).toEqual([0, 1, 0, 1]);
  });
});
