import '@nabla/backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { checkGradients, values } from '../../../core/src/test-utils/gradcheck.js';
import { loadModel } from '../io/load.js';
import { Model, type Outputs } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { input } from '../models/symbolic.js';
import { withWeightValues } from '../weight.js';
import { ALL_SAMPLES } from './all-samples.js';
import type { Layer, Tensors } from './layer.js';
import { layerFromConfig, registeredLayers } from './registry.js';
import type { LayerSample } from './samples.js';

/**
 * The layer contract, checked the same way for every registered layer class through its samples
 * (see samples.ts): a layer added without samples fails the first test.
 */

const BATCH = 2;

function inputShapes(s: LayerSample): number[][] {
  return Array.isArray(s.input[0]) ? (s.input as number[][]) : [s.input as number[]];
}

function makeInputs(s: LayerSample, dtype: nb.DType = 'float32'): nb.Tensor[] {
  return inputShapes(s).map((shape, k) => {
    const full = [BATCH, ...shape];
    const n = full.reduce((a, b) => a * b, 1);
    if (s.intRange !== undefined) return nb.tensor(values(n, 0, s.intRange, 11 + k).map(Math.floor), full, 'int32');
    return nb.tensor(values(n, -1, 1, 3 + k), full, dtype);
  });
}

const given = (s: LayerSample, xs: nb.Tensor[]): Tensors => (Array.isArray(s.input[0]) ? xs : xs[0]);
const outputs = (y: Tensors): nb.Tensor[] => (Array.isArray(y) ? y : [y]);

const cases = Object.entries(ALL_SAMPLES).flatMap(([className, samples]) =>
  samples.map((s) => [`${className}: ${s.what}`, className, s] as const),
);

test('every registered layer class has samples, and every sample names a registered class', () => {
  expect(registeredLayers().filter((c) => !ALL_SAMPLES[c]?.length)).toEqual([]);
  expect(Object.keys(ALL_SAMPLES).filter((c) => !registeredLayers().includes(c))).toEqual([]);
});

describe.each(cases)('%s', (_, className, s) => {
  test('its className is registered; an unknown option and a stray argument are errors', () => {
    expect(s.make().className).toBe(className);
    expect(() => s.make({ zzNotAnOption: 1 })).toThrow(/zzNotAnOption/);
    expect(() => s.positional('zzExtraArgument')).toThrow(nb.NablaError);
    expect(s.positional().className).toBe(className);
  });

  test('output shapes match computeOutputShape, on tensors and symbolically', () => {
    nb.tidy(() => {
      const layer = s.make();
      const xs = makeInputs(s);
      const ys = outputs(layer.apply(given(s, xs), { training: s.training ?? false }));
      const shapes = layer.computeOutputShape(Array.isArray(s.input[0]) ? inputShapes(s) : inputShapes(s)[0]);
      const list = Array.isArray(shapes[0]) ? shapes : [shapes];
      expect(ys.map((y) => y.shape)).toEqual(list.map((sh) => [BATCH, ...(sh as number[])]));
      const fresh = s.make();
      const symbols = inputShapes(s).map((shape) => input({ shape, dtype: s.intRange === undefined ? 'float32' : 'int32' }));
      const out = fresh.apply(Array.isArray(s.input[0]) ? symbols : symbols[0]);
      const symbolic = Array.isArray(out) ? out : [out];
      expect(symbolic.map((y) => y.shape)).toEqual(ys.map((y) => [null, ...y.shape.slice(1)]));
      expect(symbolic.map((y) => y.dtype)).toEqual(ys.map((y) => y.dtype));
      layer.dispose();
      fresh.dispose();
    });
  });

  test('a layer rebuilt from its config, with the same weights, gives the same outputs', async () => {
    const layer = s.make();
    const xs = makeInputs(s);
    const ys = outputs(layer.apply(given(s, xs), { training: s.training ?? false }));
    const config = JSON.parse(JSON.stringify(layer.getConfig()));
    const copy = layerFromConfig(className, { ...config, name: `${layer.name}_copy` });
    copy.build(layer.inputShape as NonNullable<Layer['inputShape']>);
    expect(copy.weights.map((w) => w.shape)).toEqual(layer.weights.map((w) => w.shape));
    copy.weights.forEach((w, i) => {
      w.assign(nb.keep(nb.add(layer.weights[i].value, 0)));
    });
    const zs = outputs(copy.apply(given(s, xs), { training: s.training ?? false }));
    for (let k = 0; k < ys.length; k++) expect(await zs[k].data()).toEqual(await ys[k].data());
    layer.dispose();
    copy.dispose();
  });

  test.skipIf(s.noGradient !== undefined)('float64 gradients of inputs and weights match central differences', () => {
    const layer = s.make();
    const xs = makeInputs(s);
    layer.apply(given(s, xs), { training: s.training ?? false }); // builds
    const floatInputs = s.intRange === undefined ? xs.length : 0;
    const weights = layer.trainableWeights;
    checkGradients(
      (...args) => {
        const inputs = s.intRange === undefined ? args.slice(0, floatInputs) : xs;
        const values = new Map(weights.map((w, i) => [w, args[floatInputs + i]]));
        const ys = withWeightValues(
          (w) => values.get(w),
          () => outputs(layer.apply(given(s, inputs), { training: s.training ?? false })),
        ).result;
        return nb.concat(
          ys.map((y) => nb.reshape(y, [-1])),
          0,
        );
      },
      [...(s.intRange === undefined ? xs : []), ...weights.map((w) => w.value)],
      { rtol: 1e-4, atol: 1e-6 },
    );
    layer.dispose();
  });

  test('a model holding it (Sequential, or functional for several inputs or outputs) saves and loads', async () => {
    const layer = s.make();
    const xs = makeInputs(s);
    const severalIn = Array.isArray(s.input[0]);
    const symbols = inputShapes(s).map((shape) => input({ shape, dtype: s.intRange === undefined ? 'float32' : 'int32' }));
    const out = layer.apply(severalIn ? symbols : symbols[0]);
    // Sequential for one input and one output; the functional form otherwise.
    const model: Model<Outputs> =
      severalIn || Array.isArray(out)
        ? new Model<Outputs>({ inputs: severalIn ? symbols : symbols[0], outputs: out })
        : new Sequential([layer]);
    const before = outputs(model.predict(severalIn ? xs : xs[0]));
    const dir = await mkdtemp(join(tmpdir(), 'nabla-contract-'));
    try {
      await model.save(join(dir, 'm'));
      const loaded = await loadModel<Outputs>(join(dir, 'm'));
      expect(loaded.layers[0].className).toBe(className);
      const after = outputs(loaded.predict(severalIn ? xs : xs[0]));
      for (let k = 0; k < before.length; k++) expect(await after[k].data()).toEqual(await before[k].data());
      loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
      model.dispose();
    }
  });
});
