import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import * as nn from '@nabla/nn';
import { expect, test } from 'vitest';
import { registeredOnnxExporters, registerOnnxExporter, toOnnx } from './export.js';
import { expectSameAsPredict, randomize } from './test-utils/export-check.js';

/** A custom layer as a user writes one: a learned per-feature scale of tanh(x). */
class TanhScale extends nn.Layer<nb.Tensor> {
  scale?: nn.Weight;
  override build(inputShape: nn.LayerShape): void {
    this.scale = this.addWeight('scale', [inputShape[inputShape.length - 1] as number], { initializer: 'ones' });
    super.build(inputShape);
  }
  override call(x: nb.Tensor): nb.Tensor {
    return nb.mul(nb.tanh(x), (this.scale as nn.Weight).value);
  }
}
nn.registerLayer('TanhScale', TanhScale);

/** A custom layer nobody wrote an exporter for. */
class NoExport extends nn.Layer<nb.Tensor> {
  override call(x: nb.Tensor): nb.Tensor {
    return nb.abs(x);
  }
}
nn.registerLayer('NoExport', NoExport);

const tanhScale = async (ctx: Parameters<Parameters<typeof registerOnnxExporter>[1]>[0]) => {
  const b = ctx.builder;
  return b.op('Mul', [b.op('Tanh', [ctx.inputs[0]]), await ctx.weight('scale')]);
};

test('a custom layer exports through the exporter registered under its class name, in a Sequential and a functional model', async () => {
  nb.setBackend('cpu');
  registerOnnxExporter('TanhScale', tanhScale);
  registerOnnxExporter('TanhScale', tanhScale); // the same again: harmless
  const model = new nn.Sequential([new nn.Dense(3, { inputShape: [2] }), new TanhScale(), new nn.Dense(1)]);
  model.predict(nb.zeros([1, 2])).dispose();
  randomize(model, 1);
  await expectSameAsPredict(model, [nb.randomNormal([3, 2], { seed: 2 })]);
  const x = nn.input({ shape: [4, 2] });
  const functional = new nn.Model({ inputs: x, outputs: new nn.Add().apply([new TanhScale().apply(x), x]) });
  randomize(functional, 3);
  await expectSameAsPredict(functional, [nb.randomNormal([3, 4, 2], { seed: 4 })]);
  model.dispose();
  functional.dispose();
});

test('a layer without an exporter is an error naming it and how to register one', async () => {
  nb.setBackend('cpu');
  const model = new nn.Sequential([new nn.Dense(2, { inputShape: [3] }), new NoExport({ name: 'absolute' })]);
  model.predict(nb.zeros([1, 3])).dispose();
  await expect(toOnnx(model)).rejects.toThrow(
    `exportOnnx: layer 'absolute' (class 'NoExport') has no ONNX export; register one with registerOnnxExporter("NoExport", (ctx) => ...) from '@nabla/backend-onnx/export'`,
  );
  model.dispose();
});

test('registerOnnxExporter checks its arguments and refuses to replace an exporter unless asked', () => {
  expect(() => registerOnnxExporter('Dense', tanhScale)).toThrow(
    "registerOnnxExporter: 'Dense' has an exporter already; pass { replace: true } to replace it",
  );
  expect(() => registerOnnxExporter('', tanhScale)).toThrow('registerOnnxExporter: className must not be empty');
  expect(() => registerOnnxExporter('X', 'nope' as never)).toThrow("registerOnnxExporter: argument 'fn' must be a function");
  expect(() => registerOnnxExporter('X', tanhScale, { replce: true } as never)).toThrow(
    "registerOnnxExporter: unknown option 'replce'; did you mean 'replace'?",
  );
  expect(() => registerOnnxExporter('X', tanhScale, { inputType: 'int8' } as never)).toThrow(
    "registerOnnxExporter: option 'inputType' must be",
  );
  expect(() => Reflect.apply(registerOnnxExporter, undefined, ['X', tanhScale, {}, 'extra'])).toThrow(
    'registerOnnxExporter: takes at most 3 arguments',
  );
  registerOnnxExporter('Replaced', tanhScale);
  const other = (ctx: { inputs: readonly string[] }) => ctx.inputs[0];
  registerOnnxExporter('Replaced', other, { replace: true });
  expect(registeredOnnxExporters()).toContain('Replaced');
});

test('every layer class @nabla/nn registers has an exporter', () => {
  const missing = nn.registeredLayers().filter((name) => !registeredOnnxExporters().includes(name));
  expect(missing).toEqual(['NoExport']);
});
