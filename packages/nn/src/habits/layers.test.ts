import '@nabla/backend-cpu';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import {
  Activation,
  Dense,
  Dropout,
  getConstraint,
  l2,
  layerFromConfig,
  loadModel,
  maxNorm,
  minMaxNorm,
  nonNeg,
  Reshape,
  Sequential,
  SGD,
  unitNorm,
} from '../index.js';

const data = () => ({ x: nb.randomUniform([16, 3], { seed: 1 }), y: nb.randomUniform([16, 2], { seed: 2 }) });

async function values(ts: nb.Tensor[]): Promise<number[][]> {
  return Promise.all(ts.map(async (t) => Array.from(await t.data())));
}

// Issue 10, item 8: freezing after the model is built.
describe('layer.trainable after build', () => {
  test('a frozen layer keeps its weights through fit and leaves trainableWeights at once; unfreezing trains it again', async () => {
    const { x, y } = data();
    const first = new Dense(4, { inputDim: 3, activation: 'relu' });
    const second = new Dense(2);
    const m = new Sequential([first, second]);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    await m.fit(x, y, { epochs: 1, verbose: 0 }); // optimizer state exists for all four weights
    first.trainable = false;
    expect(m.trainableWeights.map((w) => w.name)).toEqual(second.weights.map((w) => w.name));
    expect(m.nonTrainableWeights.map((w) => w.name)).toEqual(first.weights.map((w) => w.name));
    expect(first.trainableWeights).toEqual([]);
    const frozen = await values(first.weights.map((w) => w.value));
    const other = await values(second.weights.map((w) => w.value));
    await m.fit(x, y, { epochs: 2, verbose: 0 });
    expect(await values(first.weights.map((w) => w.value))).toEqual(frozen);
    expect(await values(second.weights.map((w) => w.value))).not.toEqual(other);
    first.trainable = true;
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(await values(first.weights.map((w) => w.value))).not.toEqual(frozen);
  });

  test('model.trainable = false freezes every layer, as Keras; the summary counts follow', async () => {
    const { x, y } = data();
    const m = new Sequential([new Dense(4, { inputDim: 3 }), new Dense(2)]);
    m.compile({ optimizer: new SGD(0.1), loss: 'mse' });
    m.trainable = false;
    expect(m.trainableWeights).toEqual([]);
    const before = await values(m.getWeights());
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(await values(m.getWeights())).toEqual(before);
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    expect(lines).toContain('Trainable params: 0');
    // while the model is frozen, a layer's own flag does not make its weights trainable (Keras)
    m.layers[1].trainable = true;
    expect(m.trainableWeights).toEqual([]);
    m.trainable = true;
    expect(m.trainableWeights.length).toBe(4);
    expect(() => {
      m.trainable = 'no' as unknown as boolean;
    }).toThrow("Sequential.trainable: argument 'trainable' must be a boolean, got 'no' (string)");
  });
});

// Issue 10, item 10: Dense options, constraints and activity regularizers.
describe('Dense options, constraints, activity regularizers', () => {
  test("Keras's snake_case keys are errors naming the camelCase option", () => {
    expect(() => new Dense(2, { kernel_regularizer: 'l2' } as object)).toThrow(
      "Dense: unknown option 'kernel_regularizer'; did you mean 'kernelRegularizer'?",
    );
    expect(() => new Dense(2, { use_bias: false } as object)).toThrow("did you mean 'useBias'?");
    expect(() => new Dense(2, { activity_regularizer: 'l2' } as object)).toThrow("did you mean 'activityRegularizer'?");
    expect(() => new Dense(2, { kernel_constraint: 'maxNorm' } as object)).toThrow("did you mean 'kernelConstraint'?");
    expect(() => new Dense(2, { activation: 'rellu' })).toThrow(/unknown activation 'rellu'/);
    expect(() => new Dense(2, { useBias: 'no' } as never)).toThrow("Dense: option 'useBias' must be a boolean, got 'no' (string)");
    expect(() => Reflect.construct(Dense, [2, {}, 'extra'])).toThrow('Dense: takes at most 2 arguments');
    expect(() => new Dense(2, { units: 3 })).toThrow('Dense: units is given twice');
  });

  test("TensorFlow.js's one-config form works for every layer", () => {
    const d = new Dense({ units: 3, inputDim: 2, useBias: false });
    expect([d.units, d.useBias]).toEqual([3, false]);
    expect(new Dropout({ rate: 0.3 }).rate).toBe(0.3);
    expect(new Activation({ activation: 'tanh' }).activation.name).toBe('tanh');
    expect(new Reshape({ targetShape: [2, 3] }).targetShape).toEqual([2, 3]);
    expect(() => new Dense({ units: 3 }, {})).toThrow('Dense: give the options once');
  });

  test('constraints give the TensorFlow.js values', async () => {
    const w = nb.tensor([
      [3, 0.1],
      [4, -0.2],
    ]);
    const close = async (t: nb.Tensor, expected: number[][]) => {
      const got = await t.array();
      expected.flat().forEach((v, i) => {
        expect((got as number[][]).flat()[i]).toBeCloseTo(v, 6);
      });
    };
    // TF.js 4.22: tf.constraints.*(...).apply(w)
    await close(maxNorm().apply(w), [
      [1.2000000476837158, 0.09999995678663254],
      [1.600000023841858, -0.19999991357326508],
    ]);
    await close(maxNorm({ maxValue: 2, axis: 1 }).apply(w), [
      [1.9988898038864136, 0.06662966310977936],
      [1.997504711151123, -0.09987523406744003],
    ]);
    await close(unitNorm().apply(w), [
      [0.6000000238418579, 0.44721338152885437],
      [0.800000011920929, -0.8944267630577087],
    ]);
    await close(nonNeg().apply(w), [
      [3, 0.10000000149011612],
      [4, 0],
    ]);
    await close(minMaxNorm({ minValue: 0.5, maxValue: 1, rate: 0.5 }).apply(w), [
      [1.8000000715255737, 0.16180332005023956],
      [2.4000000953674316, -0.3236066401004791],
    ]);
    expect(getConstraint('max_norm').getConfig()).toEqual({ maxValue: 2, axis: 0 });
    expect(() => getConstraint('maxNrom')).toThrow("getConstraint: unknown constraint 'maxNrom'; did you mean 'maxNorm'?");
    expect(() => maxNorm({ max_value: 3 } as object)).toThrow("did you mean 'maxValue'?");
  });

  test('kernelConstraint holds after every update of fit; it is saved in the layer config', async () => {
    const { x, y } = data();
    const dense = new Dense(2, { inputDim: 3, kernelConstraint: maxNorm({ maxValue: 0.1 }), biasConstraint: 'nonNeg' });
    const m = new Sequential([dense]);
    m.compile({ optimizer: new SGD(1), loss: 'mse' });
    await m.fit(nb.mul(x, 10), nb.mul(y, -10), { epochs: 3, batchSize: 4, verbose: 0 });
    const k = (await (dense.kernel as { value: nb.Tensor }).value.array()) as number[][];
    for (let j = 0; j < 2; j++) expect(Math.hypot(k[0][j], k[1][j], k[2][j])).toBeLessThanOrEqual(0.1 + 1e-6);
    for (const b of await (dense.bias as { value: nb.Tensor }).value.data()) expect(b).toBeGreaterThanOrEqual(0);
    const config = JSON.parse(JSON.stringify(dense.getConfig()));
    expect(config.kernelConstraint).toEqual({ className: 'MaxNorm', config: { maxValue: 0.1, axis: 0 } });
    const rebuilt = layerFromConfig('Dense', { ...config, name: 'copy' });
    expect({ ...rebuilt.getConfig(), name: 'x' }).toEqual({ ...config, name: 'x' });
  });

  test('constraints and activity regularizers survive save and load, and keep acting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nabla-habits-'));
    try {
      const m = new Sequential([
        new Dense(2, { inputDim: 3, kernelConstraint: maxNorm({ maxValue: 0.5 }), activityRegularizer: l2({ l2: 0.2 }) }),
        new Dense(1, { biasConstraint: 'nonNeg', trainable: false }),
      ]);
      await m.save(join(dir, 'model'));
      const loaded = await loadModel(join(dir, 'model'));
      expect(loaded.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
      // the frozen second layer stays frozen
      expect(loaded.trainableWeights.map((w) => w.name)).toEqual(m.layers[0].weights.map((w) => w.name));
      loaded.compile({ optimizer: new SGD(1), loss: 'mse' });
      const { x, y } = data();
      await loaded.fit(nb.mul(x, 10), nb.slice(y, [0, 0], [16, 1]), { epochs: 2, batchSize: 4, verbose: 0 });
      const k = (await loaded.layers[0].weights[0].value.array()) as number[][];
      for (let j = 0; j < 2; j++) expect(Math.hypot(k[0][j], k[1][j], k[2][j])).toBeLessThanOrEqual(0.5 + 1e-6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("activityRegularizer adds the regularizer of the layer's output to the loss, as Keras 3 (not divided by the batch)", async () => {
    const x = nb.tensor([
      [1, 2],
      [3, -1],
      [0.5, 0],
    ]);
    const y = nb.tensor([[1], [0], [2]]);
    const m = new Sequential([new Dense(1, { inputDim: 2, kernelInitializer: 'ones', activityRegularizer: l2({ l2: 0.1 }) })]);
    m.compile({ optimizer: new SGD(0.01), loss: 'mse' });
    const out = Array.from(await m.predict(x).data()); // [3, 2, 0.5]
    const mse = out.reduce((s, o, i) => s + (o - [1, 0, 2][i]) ** 2, 0) / 3;
    const penalty = 0.1 * out.reduce((s, o) => s + o * o, 0);
    expect((await m.evaluate(x, y)).loss).toBeCloseTo(mse + penalty, 5);
    const h = await m.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0 });
    expect(h.history.loss[0]).toBeCloseTo(mse + penalty, 5);
    expect(JSON.parse(JSON.stringify(m.layers[0].getConfig())).activityRegularizer).toEqual({ className: 'L2', config: { l2: 0.1 } });
  });
});
