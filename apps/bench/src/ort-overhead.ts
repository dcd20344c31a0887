import { OnnxGraphBuilder } from '@nabla/backend-onnx';
import * as ort from 'onnxruntime-node';
import { measure, type Result } from './harness.js';

const N = 26;
const CALLS = 500;

type Build = (b: OnnxGraphBuilder) => void;

/** Tiny [1] values, so that what is timed is session.run's own cost, not arithmetic. */
const scalar = (b: OnnxGraphBuilder, v: number) => b.constant({ type: 'float32', shape: [], data: [v] });
const inputs = (b: OnnxGraphBuilder, n: number) => Array.from({ length: n }, (_, i) => b.input(`in${i}`, 'float32', [1]));
const sumAll = (b: OnnxGraphBuilder, values: string[]) => values.reduce((acc, v) => b.op('Add', [acc, v]));

/**
 * What one onnxruntime-node session.run costs, by the shape of the call: per input, per output
 * and per op, on one thread. These figures are why the ONNX backend packs small values (see
 * packages/backend-onnx/src/packing.ts): a small training step has a dozen of each.
 */
const CASES: Record<string, Build> = {
  '1 input, 1 op, 1 output': (b) => {
    const [x] = inputs(b, 1);
    b.output('out', b.op('Add', [x, scalar(b, 1)]), 'float32', [1]);
  },
  [`1 input, chain of ${2 * N} ops, 1 output`]: (b) => {
    let v = inputs(b, 1)[0];
    for (let i = 0; i < 2 * N; i++) v = b.op('Add', [v, scalar(b, i)]);
    b.output('out', v, 'float32', [1]);
  },
  [`${N} inputs, ${N - 1} ops, 1 output`]: (b) => b.output('out', sumAll(b, inputs(b, N)), 'float32', [1]),
  [`1 packed input, Split + ${N - 1} ops, 1 output`]: (b) => {
    const packed = b.input('packed', 'float32', [N]);
    const sizes = b.constant({ type: 'int64', shape: [N], data: Array.from({ length: N }, () => 1n) });
    b.output('out', sumAll(b, b.node('Split', [packed, sizes], { axis: { int: 0 } }, N)), 'float32', [1]);
  },
  [`1 input, ${N} ops, ${N} outputs`]: (b) => {
    const [x] = inputs(b, 1);
    for (let i = 0; i < N; i++) b.output(`out${i}`, b.op('Add', [x, scalar(b, i)]), 'float32', [1]);
  },
  [`1 input, ${N} ops, Concat, 1 packed output`]: (b) => {
    const [x] = inputs(b, 1);
    const values = Array.from({ length: N }, (_, i) => b.op('Add', [x, scalar(b, i)]));
    b.output('packed', b.op('Concat', values, { axis: { int: 0 } }), 'float32', [N]);
  },
};

export async function ortOverheadBench(): Promise<Result[]> {
  const results: Result[] = [];
  for (const [size, build] of Object.entries(CASES)) {
    const b = new OnnxGraphBuilder();
    build(b);
    const session = await ort.InferenceSession.create(b.toBytes(), { intraOpNumThreads: 1, graphOptimizationLevel: 'basic' });
    const feeds = Object.fromEntries(
      session.inputNames.map((name) => {
        const n = name === 'packed' ? N : 1;
        return [name, new ort.Tensor('float32', new Float32Array(n).fill(1), [n])];
      }),
    );
    const timing = await measure(async () => {
      for (let i = 0; i < CALLS; i++) await session.run(feeds);
    });
    await session.release();
    results.push({
      workload: 'ort-overhead',
      size,
      impl: 'onnxruntime-node',
      ...timing,
      value: (timing.medianMs / CALLS) * 1000,
      unit: 'µs/call',
      higherIsBetter: false,
    });
  }
  return results;
}
