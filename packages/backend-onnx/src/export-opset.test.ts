import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { type ExportableModel, registerOnnxExporter, toOnnx } from './export.js';
import { EXPORT_CASES } from './test-utils/export-models.js';
import { readModel } from './test-utils/onnx-read.js';

/**
 * The opset option: every model of EXPORT_CASES at every opset from 13 to 21 declares that
 * opset and its IR, holds standard ops only, none newer than the opset (onnxruntime checks each
 * node's signature against it when it loads the model; LayerNormalization is looked for here,
 * since onnxruntime also accepts its own pre-17 version of it), and ops the opset lacks are
 * errors naming the layer and the opset it needs.
 */

const IR: Record<number, number> = { 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

describe('every exported layer at every opset from 13 to 21', () => {
  test.each(EXPORT_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    nb.setBackend('cpu');
    const model = c.build();
    for (let opset = 13; opset <= 21; opset++) {
      const bytes = await toOnnx(model, { opset });
      const read = readModel(bytes);
      expect([read.irVersion, read.opsets, read.producer]).toEqual([IR[opset], [{ domain: '', version: opset }], 'nabla']);
      expect(read.nodes.filter((n) => n.domain !== '').map((n) => n.opType)).toEqual([]);
      const ops = new Set(read.nodes.map((n) => n.opType));
      if (opset < 17) expect(ops.has('LayerNormalization'), `opset ${opset}`).toBe(false);
      if (opset < 20) expect(ops.has('Gelu'), `opset ${opset}`).toBe(false);
      if (opset < 18) {
        const reductions = read.nodes.filter((n) => n.opType.startsWith('Reduce') && n.opType !== 'ReduceSum');
        expect(reductions.filter((n) => n.inputs.length > 1).length, `opset ${opset}: reductions with an axes input`).toBe(0);
      }
      if (opset < 15) expect(read.nodes.filter((n) => n.opType === 'Shape' && n.attributes.length > 0).length).toBe(0);
      const session = await ort.InferenceSession.create(bytes);
      await session.release();
    }
    model.dispose();
  });
});

test('the default is opset 21, and fitting to 21 leaves the graph as the exporters wrote it', async () => {
  nb.setBackend('cpu');
  const model = EXPORT_CASES[0].build();
  const read = readModel(await toOnnx(model));
  expect([read.irVersion, read.opsets[0].version]).toEqual([10, 21]);
  expect(read.nodes.some((n) => n.opType === 'Gelu')).toBe(true);
  expect(await toOnnx(model, { opset: 21 })).toEqual(await toOnnx(model));
  model.dispose();
});

/** A model of one layer of class `className`, without @nabla/nn: what export reads of a layer. */
function oneLayer(className: string, output?: number[]): ExportableModel {
  const layer = {
    className,
    name: `${className.toLowerCase()}_1`,
    getConfig: () => ({}),
    weights: [],
    computeOutputShape: (s: unknown) => output ?? s,
  };
  return { layers: [layer as never], inputShape: [2, 3] };
}

describe('ops an older opset lacks', () => {
  test('an op that came later is an error naming the layer and the opset it needs', async () => {
    registerOnnxExporter('TestMish', (ctx) => ctx.builder.op('Mish', [ctx.inputs[0]]));
    const model = oneLayer('TestMish');
    await expect(toOnnx(model, { opset: 17 })).rejects.toThrow(
      'exportOnnx: testmish_1 (TestMish) needs ONNX opset 18 or later (Mish came with opset 18); the export asked for opset 17: pass { opset: 18 } or more',
    );
    const session = await ort.InferenceSession.create(await toOnnx(model, { opset: 18 }));
    const out = await session.run({ input: new ort.Tensor('float32', new Float32Array([-1, 0, 1, 2, 3, 4]), [1, 2, 3]) });
    // mish(x) = x tanh(softplus(x))
    expect((out.output.data as Float32Array)[3]).toBeCloseTo(2 * Math.tanh(Math.log1p(Math.exp(2))), 5);
    await session.release();
  });

  test('a reduction over axes the graph computes has no form before 18; constant axes become the attribute', async () => {
    registerOnnxExporter('TestComputedAxes', (ctx) => {
      const b = ctx.builder;
      return b.op('ReduceMean', [ctx.inputs[0], b.op('Identity', [b.int64s([2])])], { keepdims: { int: 1 } });
    });
    registerOnnxExporter('TestConstantAxes', (ctx) =>
      ctx.builder.op('ReduceMax', [ctx.inputs[0], ctx.builder.int64s([2])], { keepdims: { int: 1 } }),
    );
    await expect(toOnnx(oneLayer('TestComputedAxes', [2, 1]), { opset: 17 })).rejects.toThrow(
      'exportOnnx: testcomputedaxes_1 (TestComputedAxes) needs ONNX opset 18 or later (ReduceMean with axes computed in the graph, not constant)',
    );
    const session = await ort.InferenceSession.create(await toOnnx(oneLayer('TestConstantAxes', [2, 1]), { opset: 13 }));
    const out = await session.run({ input: new ort.Tensor('float32', new Float32Array([1, 5, 2, 0, -1, 3]), [1, 2, 3]) });
    expect([out.output.dims, Array.from(out.output.data as Float32Array)]).toEqual([
      [1, 2, 1],
      [5, 3],
    ]);
    await session.release();
  });

  test("Reshape's allowzero: dropped before 14 where the shape has no 0, an error where it has one", async () => {
    registerOnnxExporter('TestReshapeZero', (ctx) => ctx.builder.reshape(ctx.inputs[0], [0, 6]));
    registerOnnxExporter('TestReshape', (ctx) => ctx.builder.reshape(ctx.inputs[0], [-1, 6]));
    await expect(toOnnx(oneLayer('TestReshapeZero', [6]), { opset: 13 })).rejects.toThrow(
      'exportOnnx: testreshapezero_1 (TestReshapeZero) needs ONNX opset 14 or later (Reshape with allowzero and a shape that may hold 0)',
    );
    const read = readModel(await toOnnx(oneLayer('TestReshape', [6]), { opset: 13 }));
    expect(read.nodes.find((n) => n.opType === 'Reshape')?.attributes).toEqual([]);
    expect(
      readModel(await toOnnx(oneLayer('TestReshape', [6]), { opset: 14 })).nodes.find((n) => n.opType === 'Reshape')?.attributes,
    ).toEqual(['allowzero']);
  });

  test('attributes an older opset lacks: an error naming the layer and the opset, or dropped where they change nothing', async () => {
    type Exporter = Parameters<typeof registerOnnxExporter>[1];
    const x = (ctx: Parameters<Exporter>[0]) => ctx.inputs[0];
    // [layer class, exporter, the first opset with the attribute's form, what the error says]
    const later: [string, Exporter, number, string][] = [
      [
        'TestPadWrap',
        (c) => c.builder.op('Pad', [x(c), c.builder.int64s([0, 0, 1, 0, 0, 1])], { mode: { string: 'wrap' } }),
        19,
        "Pad's 'wrap' mode",
      ],
      ['TestPadAxes', (c) => c.builder.op('Pad', [x(c), c.builder.int64s([1, 1]), '', c.builder.int64s([2])]), 18, "Pad's axes input"],
      ['TestSplitCount', (c) => c.builder.op('Split', [x(c)], { axis: { int: 2 }, num_outputs: { int: 1 } }), 18, "Split's num_outputs"],
      [
        'TestResizeAxes',
        (c) => c.builder.op('Resize', [x(c)], { axes: { ints: [2] } }),
        18,
        "Resize's antialias, axes or keep_aspect_ratio_policy",
      ],
      [
        'TestLpPoolCeil',
        (c) => c.builder.op('LpPool', [x(c)], { kernel_shape: { ints: [1] }, ceil_mode: { int: 1 } }),
        18,
        "LpPool's ceil_mode",
      ],
      [
        'TestAvgPoolDilated',
        (c) => c.builder.op('AveragePool', [x(c)], { kernel_shape: { ints: [2] }, dilations: { ints: [2] } }),
        19,
        'AveragePool with dilations',
      ],
      [
        'TestScatterMax',
        (c) => c.builder.op('ScatterElements', [x(c), c.builder.int64s([0]), x(c)], { reduction: { string: 'max' } }),
        18,
        "ScatterElements with reduction 'max'",
      ],
      [
        'TestScatterAdd',
        (c) => c.builder.op('ScatterND', [x(c), c.builder.int64s([0]), x(c)], { reduction: { string: 'add' } }),
        16,
        "ScatterND with reduction 'add'",
      ],
    ];
    for (const [className, exporter, version, what] of later) {
      registerOnnxExporter(className, exporter);
      await expect(toOnnx(oneLayer(className), { opset: version - 1 })).rejects.toThrow(
        `exportOnnx: ${className.toLowerCase()}_1 (${className}) needs ONNX opset ${version} or later (${what})`,
      );
      // From that opset on, the export holds it as the exporter wrote it.
      await expect(toOnnx(oneLayer(className), { opset: version })).resolves.toBeInstanceOf(Uint8Array);
    }
    // Attributes that change nothing before their opset are dropped, and the model loads.
    registerOnnxExporter('TestCastSaturate', (c) => c.builder.op('Cast', [x(c)], { to: { int: 1 }, saturate: { int: 1 } }));
    registerOnnxExporter('TestAvgPoolUndilated', (c) =>
      c.builder.op('AveragePool', [x(c)], { kernel_shape: { ints: [2] }, dilations: { ints: [1] } }),
    );
    for (const [className, op, attribute, from] of [
      ['TestCastSaturate', 'Cast', 'saturate', 19],
      ['TestAvgPoolUndilated', 'AveragePool', 'dilations', 19],
    ] as const) {
      const model = oneLayer(className, className === 'TestAvgPoolUndilated' ? [2, 2] : undefined);
      const before = await toOnnx(model, { opset: from - 1 });
      expect(readModel(before).nodes.find((n) => n.opType === op)?.attributes, className).not.toContain(attribute);
      expect(readModel(await toOnnx(model, { opset: from })).nodes.find((n) => n.opType === op)?.attributes).toContain(attribute);
      const session = await ort.InferenceSession.create(before);
      await session.release();
    }
  });

  test('the opset option is checked', async () => {
    const model = oneLayer('TestReshape', [6]);
    await expect(toOnnx(model, { opset: 12 })).rejects.toThrow(
      "toOnnx: option 'opset' must be an integer from 13 to 21 (the ONNX opsets an export can target), got 12",
    );
    await expect(toOnnx(model, { opset: 22 })).rejects.toThrow("toOnnx: option 'opset' must be an integer from 13 to 21");
    await expect(toOnnx(model, { opset: 17.5 })).rejects.toThrow("toOnnx: option 'opset' must be an integer, got 17.5 (number)");
    await expect(toOnnx(model, { opset: '17' } as never)).rejects.toThrow("toOnnx: option 'opset' must be an integer, got '17' (string)");
  });
});
