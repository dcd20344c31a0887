import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import * as nn from './index.js';

/**
 * Issue 10: every public constructor and function of @nabla/nn checks what it is given. Each
 * export is classified here: it takes options (a sample call is given; an unknown key must be
 * a NablaError naming the key), or it takes positional arguments only (one more must be a
 * NablaError), or it is exempt, with the reason. A new export that is not classified fails the
 * first test, so it cannot skip its checks unnoticed.
 */

const UNKNOWN = 'zzNotAnOption';
const EXTRA = 'zzExtraArgument';
const t = () => nb.tensor([[0.2, 0.8]]);
const y = () => nb.tensor([[0, 1]]);

interface Case {
  /** Calls the export with valid options plus `extra` keys (an options-taking export). */
  options?: (extra: object) => unknown;
  /** Calls the export with valid positional arguments plus `extra` ones (every callable export). */
  positional?: (...extra: unknown[]) => unknown;
  /** Why the export is not checked. */
  exempt?: string;
}

const CASES: Record<string, Case> = {
  // models and weights
  Sequential: {
    options: (o) => new nn.Sequential([], { name: 'm', ...o }),
    positional: (...e) => Reflect.construct(nn.Sequential, [[], {}, ...e]),
  },
  Model: {
    options: (o) => {
      const x = nn.input({ shape: [2] });
      return new nn.Model({ inputs: x, outputs: new nn.Dense(1).apply(x), ...o });
    },
    positional: (...e) => {
      const x = nn.input({ shape: [2] });
      return Reflect.construct(nn.Model, [{ inputs: x, outputs: new nn.Dense(1).apply(x) }, ...e]);
    },
  },
  input: { options: (o) => nn.input({ shape: [2], ...o }), positional: (...e) => Reflect.apply(nn.input, null, [{ shape: [2] }, ...e]) },
  withWeightValues: { positional: (...e) => Reflect.apply(nn.withWeightValues, null, [() => undefined, () => 0, ...e]) },
  SymbolicTensor: { exempt: 'made by nn.input and layer.apply, not constructed by users' },
  Weight: {
    options: (o) => new nn.Weight('w', nb.zeros([1]), { trainable: true, ...o }),
    positional: (...e) => Reflect.construct(nn.Weight, ['w', nb.zeros([1]), {}, ...e]),
  },
  // activations
  hardSigmoid: { positional: (...e) => Reflect.apply(nn.hardSigmoid, null, [t(), ...e]) },
  softsign: { positional: (...e) => Reflect.apply(nn.softsign, null, [t(), ...e]) },
  softmax: { positional: (...e) => Reflect.apply(nn.softmax, null, [t(), ...e]) },
  logitsOf: { positional: (...e) => Reflect.apply(nn.logitsOf, null, [t(), ...e]) },
  linear: { positional: (...e) => Reflect.apply(nn.linear, null, [t(), ...e]) },
  getActivation: { positional: (...e) => Reflect.apply(nn.getActivation, null, ['relu', ...e]) },
  ACTIVATION_NAMES: { exempt: 'a constant list of names' },
  // data-parallel training
  localGroup: {
    options: (o) => nn.localGroup(2, { timeoutMs: 1000, ...o }),
    positional: (...e) => Reflect.apply(nn.localGroup, null, [2, {}, ...e]),
  },
  // callbacks
  Callback: { positional: (...e) => Reflect.construct(nn.Callback, e) },
  CallbackList: { positional: (...e) => Reflect.construct(nn.CallbackList, [[], ...e]) },
  CustomCallback: {
    options: (o) => new nn.CustomCallback({ onEpochEnd: () => {}, ...o }),
    positional: (...e) => Reflect.construct(nn.CustomCallback, [{}, ...e]),
  },
  EarlyStopping: {
    options: (o) => new nn.EarlyStopping({ patience: 2, ...o }),
    positional: (...e) => Reflect.construct(nn.EarlyStopping, [{}, ...e]),
  },
  History: { positional: (...e) => Reflect.construct(nn.History, e) },
  LearningRateScheduler: { positional: (...e) => Reflect.construct(nn.LearningRateScheduler, [() => 0.1, ...e]) },
  ReduceLROnPlateau: {
    options: (o) => new nn.ReduceLROnPlateau({ factor: 0.5, ...o }),
    positional: (...e) => Reflect.construct(nn.ReduceLROnPlateau, [{}, ...e]),
  },
  ProgbarLogger: { positional: (...e) => Reflect.construct(nn.ProgbarLogger, [{ write: () => {} }, ...e]) },
  TerminateOnNaN: { positional: (...e) => Reflect.construct(nn.TerminateOnNaN, [() => {}, ...e]) },
  ModelCheckpoint: {
    options: (o) => new nn.ModelCheckpoint({ filepath: 'ckpt-{epoch}', ...o }),
    positional: (...e) => Reflect.construct(nn.ModelCheckpoint, [{ filepath: 'ckpt' }, ...e]),
  },
  CSVLogger: {
    options: (o) => new nn.CSVLogger('log.csv', { append: true, ...o }),
    positional: (...e) => Reflect.construct(nn.CSVLogger, ['log.csv', {}, ...e]),
  },
  // datasets
  data: { exempt: "a namespace: fromArrays and csv check their arguments in data's tests (data.test.ts)" },
  // constraints
  MaxNorm: { options: (o) => new nn.MaxNorm({ maxValue: 3, ...o }), positional: (...e) => Reflect.construct(nn.MaxNorm, [{}, ...e]) },
  NonNeg: { positional: (...e) => Reflect.construct(nn.NonNeg, e) },
  UnitNorm: { options: (o) => new nn.UnitNorm({ axis: 1, ...o }), positional: (...e) => Reflect.construct(nn.UnitNorm, [{}, ...e]) },
  MinMaxNorm: {
    options: (o) => new nn.MinMaxNorm({ rate: 0.5, ...o }),
    positional: (...e) => Reflect.construct(nn.MinMaxNorm, [{}, ...e]),
  },
  maxNorm: { options: (o) => nn.maxNorm({ maxValue: 3, ...o }), positional: (...e) => Reflect.apply(nn.maxNorm, null, [{}, ...e]) },
  nonNeg: { positional: (...e) => Reflect.apply(nn.nonNeg, null, e) },
  unitNorm: { options: (o) => nn.unitNorm({ axis: 1, ...o }), positional: (...e) => Reflect.apply(nn.unitNorm, null, [{}, ...e]) },
  minMaxNorm: { options: (o) => nn.minMaxNorm({ rate: 0.5, ...o }), positional: (...e) => Reflect.apply(nn.minMaxNorm, null, [{}, ...e]) },
  getConstraint: {
    options: (o) => nn.getConstraint({ className: 'MaxNorm', config: { maxValue: 3, ...o } }),
    positional: (...e) => Reflect.apply(nn.getConstraint, null, ['maxNorm', ...e]),
  },
  serializeConstraint: { positional: (...e) => Reflect.apply(nn.serializeConstraint, null, [nn.nonNeg(), ...e]) },
  // initializers
  computeFans: { positional: (...e) => Reflect.apply(nn.computeFans, null, [[2, 3], ...e]) },
  Zeros: { positional: (...e) => Reflect.construct(nn.Zeros, e) },
  Ones: { positional: (...e) => Reflect.construct(nn.Ones, e) },
  Constant: { options: (o) => new nn.Constant({ value: 1, ...o }), positional: (...e) => Reflect.construct(nn.Constant, [{}, ...e]) },
  RandomUniform: {
    options: (o) => new nn.RandomUniform({ seed: 1, ...o }),
    positional: (...e) => Reflect.construct(nn.RandomUniform, [{}, ...e]),
  },
  RandomNormal: {
    options: (o) => new nn.RandomNormal({ seed: 1, ...o }),
    positional: (...e) => Reflect.construct(nn.RandomNormal, [{}, ...e]),
  },
  TruncatedNormal: {
    options: (o) => new nn.TruncatedNormal({ seed: 1, ...o }),
    positional: (...e) => Reflect.construct(nn.TruncatedNormal, [{}, ...e]),
  },
  VarianceScaling: {
    options: (o) => new nn.VarianceScaling({ scale: 2, ...o }),
    positional: (...e) => Reflect.construct(nn.VarianceScaling, [{}, 'varianceScaling', ...e]),
  },
  GlorotUniform: {
    options: (o) => new nn.GlorotUniform({ seed: 1, ...o }),
    positional: (...e) => Reflect.construct(nn.GlorotUniform, [{}, ...e]),
  },
  GlorotNormal: {
    options: (o) => new nn.GlorotNormal({ seed: 1, ...o }),
    positional: (...e) => Reflect.construct(nn.GlorotNormal, [{}, ...e]),
  },
  HeUniform: { options: (o) => new nn.HeUniform({ seed: 1, ...o }), positional: (...e) => Reflect.construct(nn.HeUniform, [{}, ...e]) },
  HeNormal: { options: (o) => new nn.HeNormal({ seed: 1, ...o }), positional: (...e) => Reflect.construct(nn.HeNormal, [{}, ...e]) },
  LeCunUniform: {
    options: (o) => new nn.LeCunUniform({ seed: 1, ...o }),
    positional: (...e) => Reflect.construct(nn.LeCunUniform, [{}, ...e]),
  },
  LeCunNormal: {
    options: (o) => new nn.LeCunNormal({ seed: 1, ...o }),
    positional: (...e) => Reflect.construct(nn.LeCunNormal, [{}, ...e]),
  },
  Orthogonal: { options: (o) => new nn.Orthogonal({ gain: 2, ...o }), positional: (...e) => Reflect.construct(nn.Orthogonal, [{}, ...e]) },
  zeros: { positional: (...e) => Reflect.apply(nn.zeros, null, e) },
  ones: { positional: (...e) => Reflect.apply(nn.ones, null, e) },
  constant: { options: (o) => nn.constant({ value: 1, ...o }), positional: (...e) => Reflect.apply(nn.constant, null, [{}, ...e]) },
  randomUniform: {
    options: (o) => nn.randomUniform({ seed: 1, ...o }),
    positional: (...e) => Reflect.apply(nn.randomUniform, null, [{}, ...e]),
  },
  randomNormal: {
    options: (o) => nn.randomNormal({ seed: 1, ...o }),
    positional: (...e) => Reflect.apply(nn.randomNormal, null, [{}, ...e]),
  },
  truncatedNormal: {
    options: (o) => nn.truncatedNormal({ seed: 1, ...o }),
    positional: (...e) => Reflect.apply(nn.truncatedNormal, null, [{}, ...e]),
  },
  varianceScaling: {
    options: (o) => nn.varianceScaling({ scale: 2, ...o }),
    positional: (...e) => Reflect.apply(nn.varianceScaling, null, [{}, ...e]),
  },
  glorotUniform: {
    options: (o) => nn.glorotUniform({ seed: 1, ...o }),
    positional: (...e) => Reflect.apply(nn.glorotUniform, null, [{}, ...e]),
  },
  glorotNormal: {
    options: (o) => nn.glorotNormal({ seed: 1, ...o }),
    positional: (...e) => Reflect.apply(nn.glorotNormal, null, [{}, ...e]),
  },
  heUniform: { options: (o) => nn.heUniform({ seed: 1, ...o }), positional: (...e) => Reflect.apply(nn.heUniform, null, [{}, ...e]) },
  heNormal: { options: (o) => nn.heNormal({ seed: 1, ...o }), positional: (...e) => Reflect.apply(nn.heNormal, null, [{}, ...e]) },
  leCunUniform: {
    options: (o) => nn.leCunUniform({ seed: 1, ...o }),
    positional: (...e) => Reflect.apply(nn.leCunUniform, null, [{}, ...e]),
  },
  leCunNormal: { options: (o) => nn.leCunNormal({ seed: 1, ...o }), positional: (...e) => Reflect.apply(nn.leCunNormal, null, [{}, ...e]) },
  orthogonal: { options: (o) => nn.orthogonal({ gain: 2, ...o }), positional: (...e) => Reflect.apply(nn.orthogonal, null, [{}, ...e]) },
  getInitializer: {
    options: (o) => nn.getInitializer({ className: 'GlorotUniform', config: { seed: 1, ...o } }),
    positional: (...e) => Reflect.apply(nn.getInitializer, null, ['zeros', ...e]),
  },
  serializeInitializer: { positional: (...e) => Reflect.apply(nn.serializeInitializer, null, [nn.zeros(), ...e]) },
  // layers
  Activation: {
    options: (o) => new nn.Activation('relu', { name: 'a', ...o }),
    positional: (...e) => Reflect.construct(nn.Activation, ['relu', {}, ...e]),
  },
  registerLayer: { positional: (...e) => Reflect.apply(nn.registerLayer, null, ['Dense', nn.Dense, ...e]) },
  registeredLayers: { positional: (...e) => Reflect.apply(nn.registeredLayers, null, e) },
  Dense: { options: (o) => new nn.Dense(2, { useBias: false, ...o }), positional: (...e) => Reflect.construct(nn.Dense, [2, {}, ...e]) },
  Dropout: { options: (o) => new nn.Dropout(0.5, { seed: 3, ...o }), positional: (...e) => Reflect.construct(nn.Dropout, [0.5, {}, ...e]) },
  Flatten: { options: (o) => new nn.Flatten({ name: 'f', ...o }), positional: (...e) => Reflect.construct(nn.Flatten, [{}, ...e]) },
  Reshape: {
    options: (o) => new nn.Reshape([2], { name: 'r', ...o }),
    positional: (...e) => Reflect.construct(nn.Reshape, [[2], {}, ...e]),
  },
  Layer: { exempt: 'abstract: its subclasses are checked through the same constructor' },
  LAYER_OPTIONS: { exempt: "a constant: the options every layer takes, for subclasses' OPTIONS" },
  layerFromConfig: {
    options: (o) => nn.layerFromConfig('Dense', { units: 2, ...o }),
    positional: (...e) => Reflect.apply(nn.layerFromConfig, null, ['Dense', { units: 2 }, ...e]),
  },
  // losses
  EPSILON: { exempt: "a constant: Keras's fuzz factor" },
  meanSquaredError: { positional: (...e) => Reflect.apply(nn.meanSquaredError, null, [y(), t(), ...e]) },
  meanAbsoluteError: { positional: (...e) => Reflect.apply(nn.meanAbsoluteError, null, [y(), t(), ...e]) },
  huberLoss: { positional: (...e) => Reflect.apply(nn.huberLoss, null, [y(), t(), 1, ...e]) },
  huber: { positional: (...e) => Reflect.apply(nn.huber, null, [y(), t(), ...e]) },
  binaryCrossentropyLoss: {
    options: (o) => nn.binaryCrossentropyLoss({ fromLogits: true, ...o }),
    positional: (...e) => Reflect.apply(nn.binaryCrossentropyLoss, null, [{}, ...e]),
  },
  categoricalCrossentropyLoss: {
    options: (o) => nn.categoricalCrossentropyLoss({ fromLogits: true, ...o }),
    positional: (...e) => Reflect.apply(nn.categoricalCrossentropyLoss, null, [{}, ...e]),
  },
  sparseCategoricalCrossentropyLoss: {
    options: (o) => nn.sparseCategoricalCrossentropyLoss({ fromLogits: true, ...o }),
    positional: (...e) => Reflect.apply(nn.sparseCategoricalCrossentropyLoss, null, [{}, ...e]),
  },
  checkSparseLabels: { positional: (...e) => Reflect.apply(nn.checkSparseLabels, null, ['loss', nb.tensor([1]), t(), ...e]) },
  binaryCrossentropy: { positional: (...e) => Reflect.apply(nn.binaryCrossentropy, null, [y(), t(), ...e]) },
  categoricalCrossentropy: { positional: (...e) => Reflect.apply(nn.categoricalCrossentropy, null, [y(), t(), ...e]) },
  sparseCategoricalCrossentropy: {
    positional: (...e) => Reflect.apply(nn.sparseCategoricalCrossentropy, null, [nb.tensor([1]), t(), ...e]),
  },
  getLoss: { positional: (...e) => Reflect.apply(nn.getLoss, null, ['mse', ...e]) },
  isBuiltinLoss: { positional: (...e) => Reflect.apply(nn.isBuiltinLoss, null, ['mse', ...e]) },
  // metrics
  binaryAccuracy: { positional: (...e) => Reflect.apply(nn.binaryAccuracy, null, [y(), t(), 0.5, ...e]) },
  categoricalAccuracy: { positional: (...e) => Reflect.apply(nn.categoricalAccuracy, null, [y(), t(), ...e]) },
  sparseCategoricalAccuracy: { positional: (...e) => Reflect.apply(nn.sparseCategoricalAccuracy, null, [nb.tensor([1]), t(), ...e]) },
  accuracyFor: { positional: (...e) => Reflect.apply(nn.accuracyFor, null, [y(), t(), ...e]) },
  getMetric: { positional: (...e) => Reflect.apply(nn.getMetric, null, ['acc', ...e]) },
  isBuiltinMetric: { positional: (...e) => Reflect.apply(nn.isBuiltinMetric, null, ['acc', ...e]) },
  // optimizers
  SGD: { options: (o) => new nn.SGD({ momentum: 0.9, ...o }), positional: (...e) => Reflect.construct(nn.SGD, [0.1, ...e]) },
  Adam: { options: (o) => new nn.Adam({ beta1: 0.8, ...o }), positional: (...e) => Reflect.construct(nn.Adam, [0.1, ...e]) },
  AdamW: { options: (o) => new nn.AdamW({ weightDecay: 0.1, ...o }), positional: (...e) => Reflect.construct(nn.AdamW, [0.1, ...e]) },
  RMSprop: { options: (o) => new nn.RMSprop({ rho: 0.8, ...o }), positional: (...e) => Reflect.construct(nn.RMSprop, [0.1, ...e]) },
  Adagrad: { options: (o) => new nn.Adagrad({ epsilon: 1e-6, ...o }), positional: (...e) => Reflect.construct(nn.Adagrad, [0.1, ...e]) },
  Optimizer: { exempt: 'abstract: the built-in optimizers check their options (optimizerArgs)' },
  FLAT_SLOT_LIMIT: { exempt: 'a constant' },
  exponentialDecay: {
    options: (o) => nn.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, ...o }),
    positional: (...e) => Reflect.apply(nn.exponentialDecay, null, [{ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }, ...e]),
  },
  inverseTimeDecay: {
    options: (o) => nn.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, ...o }),
    positional: (...e) => Reflect.apply(nn.inverseTimeDecay, null, [{ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }, ...e]),
  },
  cosineDecay: {
    options: (o) => nn.cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, ...o }),
    positional: (...e) => Reflect.apply(nn.cosineDecay, null, [{ initialLearningRate: 0.1, decaySteps: 10 }, ...e]),
  },
  piecewiseConstantDecay: {
    options: (o) => nn.piecewiseConstantDecay({ boundaries: [1], values: [0.1, 0.01], ...o }),
    positional: (...e) => Reflect.apply(nn.piecewiseConstantDecay, null, [{ boundaries: [1], values: [0.1, 0.01] }, ...e]),
  },
  scheduleFromConfig: {
    options: (o) => nn.scheduleFromConfig({ className: 'CosineDecay', config: { initialLearningRate: 0.1, decaySteps: 10, ...o } }),
    positional: (...e) =>
      Reflect.apply(nn.scheduleFromConfig, null, [
        { className: 'CosineDecay', config: { initialLearningRate: 0.1, decaySteps: 10 } },
        ...e,
      ]),
  },
  getOptimizer: { positional: (...e) => Reflect.apply(nn.getOptimizer, null, ['adam', ...e]) },
  optimizerFromConfig: {
    options: (o) => nn.optimizerFromConfig({ className: 'Adam', config: { learningRate: 0.1, ...o } }),
    positional: (...e) => Reflect.apply(nn.optimizerFromConfig, null, [{ className: 'Adam', config: {} }, ...e]),
  },
  // regularizers
  L1: { options: (o) => new nn.L1({ l1: 0.1, ...o }), positional: (...e) => Reflect.construct(nn.L1, [0.1, ...e]) },
  L2: { options: (o) => new nn.L2({ l2: 0.1, ...o }), positional: (...e) => Reflect.construct(nn.L2, [0.1, ...e]) },
  L1L2: { options: (o) => new nn.L1L2({ l1: 0.1, ...o }), positional: (...e) => Reflect.construct(nn.L1L2, [0.1, 0.2, ...e]) },
  l1: { options: (o) => nn.l1({ l1: 0.1, ...o }), positional: (...e) => Reflect.apply(nn.l1, null, [0.1, ...e]) },
  l2: { options: (o) => nn.l2({ l2: 0.1, ...o }), positional: (...e) => Reflect.apply(nn.l2, null, [0.1, ...e]) },
  l1l2: { options: (o) => nn.l1l2({ l1: 0.1, ...o }), positional: (...e) => Reflect.apply(nn.l1l2, null, [0.1, 0.2, ...e]) },
  getRegularizer: {
    options: (o) => nn.getRegularizer({ className: 'L2', config: { l2: 0.1, ...o } }),
    positional: (...e) => Reflect.apply(nn.getRegularizer, null, ['l2', ...e]),
  },
  serializeRegularizer: { positional: (...e) => Reflect.apply(nn.serializeRegularizer, null, [nn.l2(), ...e]) },
  // saving and loading (io/, async: checked below)
  saveModel: { exempt: 'async: checked in the async test below' },
  loadModel: { exempt: "io/ (saving and loading) takes a path or files; its arguments are io's tests' subject" },
  loadWeights: { exempt: "io/ (saving and loading) takes a model and a path or files; its arguments are io's tests' subject" },
  removeModel: { exempt: "io/: removes a model saved in IndexedDB; its arguments are io's tests' subject" },
};

/** Runs `call`; returns the NablaError it threw, or fails. */
function thrown(what: string, call: () => unknown): nb.NablaError {
  try {
    call();
  } catch (e) {
    expect(e, what).toBeInstanceOf(nb.NablaError);
    return e as nb.NablaError;
  }
  throw new Error(`${what}: did not throw`);
}

describe('the public API checks its arguments', () => {
  test('every export is classified (a new export must say how it checks its arguments)', () => {
    // Registered layer classes are checked through their samples by layers/contract.test.ts.
    const layers = new Set(nn.registeredLayers());
    const unclassified = Object.keys(nn).filter((k) => !Object.hasOwn(CASES, k) && !layers.has(k));
    expect(unclassified).toEqual([]);
    const stale = Object.keys(CASES).filter((k) => !Object.hasOwn(nn, k));
    expect(stale).toEqual([]);
    for (const [name, c] of Object.entries(CASES)) {
      const value = (nn as Record<string, unknown>)[name];
      if (typeof value === 'function') expect(c.exempt !== undefined || c.positional !== undefined, name).toBe(true);
    }
  });

  for (const [name, c] of Object.entries(CASES)) {
    if (c.options) {
      const call = c.options;
      test(`${name}: valid options pass; an unknown key is an error naming it`, () => {
        call({});
        const e = thrown(name, () => call({ [UNKNOWN]: 1 }));
        expect(e.message).toContain(`'${UNKNOWN}'`);
      });
    }
    if (c.positional) {
      const call = c.positional;
      test(`${name}: a stray positional argument is an error`, () => {
        call();
        const e = thrown(name, () => call(EXTRA));
        expect(e.message).toMatch(/takes (at most )?\d+ arguments?/);
      });
    }
  }
});

describe("Sequential's methods check their arguments", () => {
  const model = () => {
    const m = new nn.Sequential([new nn.Dense(2, { inputDim: 2 })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    return m;
  };
  const x = () => nb.ones([4, 2]);

  test('options: compile, fit, evaluate, predict, trainOnBatch, save', async () => {
    const m = model();
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', [UNKNOWN]: 1 } as never)).toThrow(`'${UNKNOWN}'`);
    await expect(m.fit(x(), x(), { verbose: 0, [UNKNOWN]: 1 } as never)).rejects.toThrow(`'${UNKNOWN}'`);
    await expect(m.evaluate(x(), x(), { [UNKNOWN]: 1 } as never)).rejects.toThrow(`'${UNKNOWN}'`);
    expect(() => m.predict(x(), { [UNKNOWN]: 1 } as never)).toThrow(`'${UNKNOWN}'`);
    await expect(m.trainOnBatch(x(), x(), { [UNKNOWN]: 1 } as never)).rejects.toThrow(`'${UNKNOWN}'`);
    await expect(nn.saveModel(m, '/nonexistent-dir/model', { [UNKNOWN]: 1 } as never)).rejects.toThrow(`'${UNKNOWN}'`);
  });

  test('positional: one argument too many is an error', async () => {
    const m = model();
    const calls: [string, () => unknown][] = [
      ['compile', () => Reflect.apply(m.compile, m, [{ optimizer: 'sgd', loss: 'mse' }, EXTRA])],
      ['predict', () => Reflect.apply(m.predict, m, [x(), {}, EXTRA])],
      ['add', () => Reflect.apply(m.add, m, [new nn.Dense(1), EXTRA])],
      ['build', () => Reflect.apply(m.build, m, [[2], EXTRA])],
      ['summary', () => Reflect.apply(m.summary, m, [() => {}, EXTRA])],
      ['getWeights', () => Reflect.apply(m.getWeights, m, [EXTRA])],
      ['setWeights', () => Reflect.apply(m.setWeights, m, [m.getWeights(), EXTRA])],
      ['dispose', () => Reflect.apply(m.dispose, m, [EXTRA])],
    ];
    for (const [what, call] of calls) expect(thrown(what, call).message).toContain(EXTRA);
    for (const method of ['fit', 'evaluate', 'trainOnBatch'] as const) {
      await expect(Reflect.apply(m[method], m, [x(), x(), {}, EXTRA])).rejects.toThrow(EXTRA);
    }
    await expect(Reflect.apply(m.save, m, ['/nonexistent-dir/model', {}, EXTRA])).rejects.toThrow(nb.NablaError);
  });
});
