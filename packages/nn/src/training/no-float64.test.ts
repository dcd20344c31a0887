import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import * as nn from '../index.js';
import { ALL_SAMPLES } from '../layers/all-samples.js';
import type { LayerSample } from '../layers/samples.js';
import { NoFloat64Backend, registerNoFloat64Backend } from '../test-utils/no-float64-backend.js';
import { onBackend } from '../test-utils/on-backend.js';

/**
 * Training needs no float64 (WebGPU has none): fit, evaluate and predict, on every path nn has,
 * run on a backend that lists only float32, int32 and bool, and give exactly the CPU backend's
 * results, whose kernels it shares.
 */
const NO_F64 = registerNoFloat64Backend();

/** A model of any inputs and outputs, as far as its weights go. */
type WeightedModel = Pick<nn.Model, 'weights' | 'setWeights'>;

/** Fixed host values for every weight, the same on every backend (moving variances positive). */
function setFixedWeights(model: WeightedModel): void {
  model.setWeights(
    model.weights.map((w, k) => {
      const data = new Float32Array(w.shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) {
        data[i] = w.name.endsWith('movingVariance') ? 1 + 0.25 * Math.sin(i + k) : 0.5 * Math.sin(1.3 * i + 0.7 * k + 0.1);
      }
      return nb.tensor(data, w.shape, 'float32');
    }),
  );
}

/** [n, width] float32 features from a fixed formula. */
function features(n: number, width: number, phase = 0): nb.Tensor {
  const data = new Float32Array(n * width);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(0.37 * i + phase);
  return nb.tensor(data, [n, width]);
}

/** What a run leaves to compare: every logged value and every weight, read to the host. */
async function outcome(history: nn.History, model: WeightedModel, extra: nb.Tensor[] = []) {
  return {
    logs: history.history,
    weights: await Promise.all(model.weights.map((w) => w.value.data())),
    extra: await Promise.all(extra.map((t) => t.data())),
  };
}

/** The same run on the CPU backend and on the one without float64: results identical bit for bit. */
async function sameOnBoth<T>(run: () => Promise<T>): Promise<T> {
  const cpu = await onBackend('cpu', run);
  const noF64 = await onBackend(NO_F64, run);
  expect(noF64).toEqual(cpu);
  return noF64;
}

describe('a backend without float64', () => {
  test('core refuses float64 on it, naming the backend and the dtypes it has, before the backend sees any', async () => {
    await onBackend(NO_F64, async () => {
      const refusal = `backend '${NO_F64}' does not support float64 (it has float32, int32, bool)`;
      const x = nb.tensor([1, 2]);
      const attempts: [string, () => unknown][] = [
        ['tensor', () => nb.tensor([1, 2], [2], 'float64')],
        ['tensor', () => nb.tensor(new Float64Array([1, 2]))],
        ['zeros', () => nb.zeros([2], 'float64')],
        ['cast', () => nb.cast(x, 'float64')],
        ['randomUniform', () => nb.randomUniform([2], { dtype: 'float64', seed: 1 })],
      ];
      for (const [op, attempt] of attempts) {
        let error: unknown;
        try {
          attempt();
        } catch (e) {
          error = e;
        }
        expect(error, op).toBeInstanceOf(nb.NablaError);
        expect((error as Error).message, op).toContain(refusal);
      }
      // A compiled function is refused while it is traced: no graph with float64 is compiled.
      const f = nb.jit((t: nb.Tensor) => nb.mul(nb.cast(t, 'float64'), 2));
      await expect(async () => f(x)).rejects.toThrow(refusal);
      f.dispose();
      x.dispose();
    });
    // Below core, the backend itself checks too: that is what the fits below rely on.
    const backend = new NoFloat64Backend('direct');
    expect(() => backend.upload(new Float64Array(2), 'float64', [2])).toThrow('core let an upload of float64 [2] reach a backend');
    expect(() => backend.upload(new Float32Array(2), 'float32', [2])).not.toThrow();
  });

  test('fit with Dropout, BatchNormalization, Adam, sample weights, weighted validation data and stepsPerExecution; evaluate and predict', async () => {
    const run = async () => {
      const model = new nn.Sequential([
        new nn.Dense(8, { inputDim: 4, activation: 'relu' }),
        new nn.BatchNormalization(),
        new nn.Dropout(0.25),
        new nn.Dense(3, { activation: 'softmax' }),
      ]);
      setFixedWeights(model);
      model.compile({
        optimizer: new nn.Adam(0.01),
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
        weightedMetrics: ['accuracy'],
        stepsPerExecution: 2,
      });
      const x = features(45, 4);
      const y = nb.tensor(
        Int32Array.from({ length: 45 }, (_, i) => (i * 7) % 3),
        [45],
      );
      const w = nb.tensor(Float32Array.from({ length: 45 }, (_, i) => 0.5 + (i % 4) / 4));
      const vx = features(10, 4, 1);
      const vy = nb.tensor(
        Int32Array.from({ length: 10 }, (_, i) => i % 3),
        [10],
      );
      const vw = nb.tensor(Float32Array.from({ length: 10 }, (_, i) => 1 + (i % 2)));
      const history = await model.fit(x, y, { epochs: 3, batchSize: 8, sampleWeight: w, validationData: [vx, vy, vw], verbose: 0 });
      const evaluated = await model.evaluate(vx, vy, { sampleWeight: vw, batchSize: 4 });
      const predicted = model.predict(vx) as nb.Tensor;
      const result = await outcome(history, model, [predicted]);
      nb.dispose([x, y, w, vx, vy, vw, predicted]);
      model.dispose();
      return { ...result, evaluated };
    };
    const { logs } = await sameOnBoth(run);
    expect(Object.keys(logs).sort()).toEqual(
      ['accuracy', 'loss', 'val_accuracy', 'val_loss', 'weighted_accuracy', 'val_weighted_accuracy'].sort(),
    );
    expect(logs.loss.every(Number.isFinite)).toBe(true);
    expect(logs.loss[2]).toBeLessThan(logs.loss[0]);
  });

  test('fit a functional model of two inputs and two outputs (packed rows), with a learning-rate schedule and momentum', async () => {
    const run = async () => {
      const a = nn.input({ shape: [3], name: 'a' });
      const b = nn.input({ shape: [2], name: 'b' });
      const joined = new nn.Concatenate().apply([a, b]) as nn.SymbolicTensor;
      const hidden = new nn.Dense(6, { activation: 'tanh' }).apply(joined) as nn.SymbolicTensor;
      const dropped = new nn.Dropout(0.2).apply(hidden) as nn.SymbolicTensor;
      const value = new nn.Dense(1, { name: 'value' }).apply(dropped) as nn.SymbolicTensor;
      const flag = new nn.Dense(1, { name: 'flag', activation: 'sigmoid' }).apply(hidden) as nn.SymbolicTensor;
      const model = new nn.Model({ inputs: [a, b], outputs: [value, flag] });
      setFixedWeights(model);
      const lr = nn.exponentialDecay({ initialLearningRate: 0.05, decaySteps: 2, decayRate: 0.9 });
      model.compile({
        optimizer: new nn.SGD({ learningRate: lr, momentum: 0.9 }),
        loss: ['meanSquaredError', 'binaryCrossentropy'],
        metrics: { value: [], flag: ['accuracy'] },
      });
      const xa = features(20, 3);
      const xb = features(20, 2, 2);
      const yValue = features(20, 1, 3);
      const yFlag = nb.tensor(
        Float32Array.from({ length: 20 }, (_, i) => i % 2),
        [20, 1],
      );
      const history = await model.fit([xa, xb], [yValue, yFlag], { epochs: 2, batchSize: 6, validationSplit: 0.25, verbose: 0 });
      const evaluated = await model.evaluate([xa, xb], [yValue, yFlag]);
      const predicted = model.predict([xa, xb]) as nb.Tensor[];
      const result = await outcome(history, model, predicted);
      nb.dispose([xa, xb, yValue, yFlag, ...predicted]);
      model.dispose();
      return { ...result, evaluated };
    };
    const result = await sameOnBoth(run);
    expect(result.logs.val_flag_accuracy).toHaveLength(2);
    expect(result.logs.loss.every(Number.isFinite)).toBe(true);
  });

  test('fit and evaluate datasets and generators: Embedding, LSTM with recurrent dropout, RMSprop', async () => {
    const run = async () => {
      const model = new nn.Sequential([
        new nn.Embedding({ inputDim: 5, outputDim: 3, inputLength: 4 }),
        new nn.LSTM({ units: 4, dropout: 0.1, recurrentDropout: 0.2 }),
        new nn.Dense(1, { activation: 'sigmoid' }),
      ]);
      setFixedWeights(model);
      model.compile({ optimizer: new nn.RMSprop(0.01), loss: 'binaryCrossentropy', metrics: ['accuracy'], stepsPerExecution: 2 });
      const ids = nb.tensor(
        Int32Array.from({ length: 24 * 4 }, (_, i) => (i * 3) % 5),
        [24, 4],
      );
      const labels = nb.tensor(
        Float32Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 1 : 0)),
        [24, 1],
      );
      const train = nn.data.fromArrays(ids, labels, { batchSize: 5 });
      const validation = function* () {
        for (let i = 0; i < 2; i++) yield { xs: nb.slice(ids, [i * 6], [6]), ys: nb.slice(labels, [i * 6], [6]) };
      };
      const history = await model.fit(train, { epochs: 2, validationData: validation, verbose: 0 });
      const evaluated = await model.evaluate(train);
      const result = await outcome(history, model);
      nb.dispose([ids, labels]);
      model.dispose();
      return { ...result, evaluated };
    };
    const result = await sameOnBoth(run);
    expect(result.logs.val_loss.every(Number.isFinite)).toBe(true);
  });

  test.each([
    ['SGD', () => new nn.SGD({ learningRate: 0.1, momentum: 0.5, nesterov: true })],
    ['Adam (amsgrad, clipNorm)', () => new nn.Adam({ learningRate: 0.01, amsgrad: true, clipNorm: 1 })],
    ['AdamW', () => new nn.AdamW({ learningRate: 0.01, weightDecay: 0.01 })],
    ['RMSprop', () => new nn.RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true })],
    ['Adagrad', () => new nn.Adagrad({ learningRate: 0.1, globalClipNorm: 1 })],
  ])('%s trains on it exactly as on the CPU backend', async (_name, make) => {
    const run = async () => {
      const model = new nn.Sequential([new nn.Dense(5, { inputDim: 3, activation: 'relu' }), new nn.Dense(2)]);
      setFixedWeights(model);
      model.compile({ optimizer: make(), loss: 'huber', metrics: ['meanAbsoluteError'] });
      const x = features(16, 3);
      const y = features(16, 2, 1);
      const history = await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
      const result = await outcome(history, model);
      nb.dispose([x, y]);
      model.dispose();
      return result;
    };
    await sameOnBoth(run);
  });
});

describe('float64 weights, the user’s choice', () => {
  test('train with step scalars in float64: an SGD step by 0.1 is not rounded to float32', async () => {
    const model = new nn.Sequential([new nn.Dense(1, { inputDim: 1, useBias: false })]);
    model.setWeights([nb.tensor([[0.5]], [1, 1], 'float64')]);
    model.compile({ optimizer: new nn.SGD(0.1), loss: 'meanSquaredError' });
    const x = nb.tensor([[1], [2]], [2, 1], 'float64');
    const y = nb.tensor([[1], [1]], [2, 1], 'float64');
    await model.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 });
    const w = model.weights[0].value;
    expect(w.dtype).toBe('float64');
    // The gradient is exactly -0.5 (mean of 2(0.5x - y)x over x = 1, 2): one step of lr 0.1.
    const [after] = await w.data();
    expect(after).toBe(0.5 - 0.1 * -0.5);
    expect(after).not.toBe(0.5 - Math.fround(0.1) * -0.5);
    nb.dispose([x, y]);
    model.dispose();
  });
});

/** The sample's inputs, batch 2: int32 indices below intRange, or float32 values. */
function sampleInputs(s: LayerSample): nb.Tensor[] {
  const shapes = Array.isArray(s.input[0]) ? (s.input as number[][]) : [s.input as number[]];
  return shapes.map((shape, k) => {
    const full = [2, ...shape];
    const n = full.reduce((a, b) => a * b, 1);
    if (s.intRange !== undefined)
      return nb.tensor(
        Int32Array.from({ length: n }, (_, i) => (i * 7 + k) % (s.intRange as number)),
        full,
      );
    return nb.tensor(
      Float32Array.from({ length: n }, (_, i) => Math.sin(0.37 * i + k)),
      full,
    );
  });
}

const layerCases = Object.entries(ALL_SAMPLES).flatMap(([className, samples]) =>
  samples.map((s) => [`${className}: ${s.what}`, s] as const),
);

describe('every registered layer on a backend without float64', () => {
  test.each(layerCases)('%s: inference, training with a seed, and the gradient of its weights', async (_, s) => {
    await onBackend(NO_F64, async () => {
      const layer = s.make();
      const xs = sampleInputs(s);
      const given = Array.isArray(s.input[0]) ? xs : xs[0];
      const total = (y: nn.Tensors) =>
        (Array.isArray(y) ? y : [y]).map((t) => nb.sum(nb.cast(t, 'float32'))).reduce((a, b) => nb.add(a, b));
      const seed = nb.scalar(5, 'int32');
      const inference = total(layer.apply(given, { training: false }));
      const params: Record<string, nb.Tensor> = Object.fromEntries(layer.trainableWeights.map((w) => [w.name, w.value]));
      const training = (p: Record<string, nb.Tensor>) =>
        nn.withWeightValues(
          (w) => p[w.name],
          () => total(layer.apply(given, { training: true, seed })),
        ).result;
      const { value, grads } =
        Object.keys(params).length > 0
          ? nb.valueAndGrad(training)(params)
          : { value: training({}), grads: {} as Record<string, nb.Tensor> };
      const read = await Promise.all([inference, value, ...Object.values(grads)].map((t) => t.data()));
      for (const data of read) expect(Array.from(data).every(Number.isFinite)).toBe(true);
      nb.dispose([...xs, seed, inference, value, ...Object.values(grads)]);
      layer.dispose();
    });
  });
});
