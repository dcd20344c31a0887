import * as nb from '@nabla/core';
import type { TrainingModel } from '../callbacks/callback.js';
import type { History } from '../callbacks/history.js';
import { saveModel } from '../io/files.js';
import type { Layer, LayerShape } from '../layers/layer.js';
import { getLoss, type LossFn } from '../losses.js';
import { getMetric, type MetricFn } from '../metrics.js';
import { getOptimizer } from '../optimizers/index.js';
import type { Optimizer, Slots } from '../optimizers/optimizer.js';
import { asTensor, checkSamples } from '../training/data.js';
import { evaluate, type FitArgs, fit } from '../training/fit.js';
import type { Params } from '../training/steps.js';
import type { Weight } from '../weight.js';
import { formatSummary } from './summary.js';

export interface CompileArgs {
  optimizer: string | Optimizer;
  loss: string | LossFn;
  metrics?: (string | MetricFn)[];
  /**
   * Optimizer steps per compiled execution (Keras's steps_per_execution, default 1). Batch
   * callbacks then run after each execution, once per batch, in order.
   */
  stepsPerExecution?: number;
}

/** What compile() resolved, plus the optimizer's state. */
export interface Compiled {
  optimizer: Optimizer;
  loss: { name: string; fn: LossFn };
  metrics: { name: string; fn: MetricFn }[];
  /** Optimizer slots per slot group of the trainable weights (Optimizer.slotGroups), created on the first step. */
  slots: Slots | null;
  /** Optimizer steps taken so far. */
  iterations: number;
  stepsPerExecution: number;
  /** Compiled steps, by kind; released when compile() is called again or the model is disposed. */
  cache: Map<string, { dispose(): void }>;
}

function checkStepsPerExecution(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new nb.NablaError(`compile: stepsPerExecution must be a positive integer, got ${n}`);
  return n;
}

/**
 * A linear stack of layers, as in Keras. Weights are created when the input shape is known:
 * from the first layer's inputShape/inputDim, or from the first data seen.
 */
export class Sequential implements TrainingModel {
  readonly className = 'Sequential';
  readonly name: string;
  readonly layers: Layer[] = [];
  stopTraining = false;
  compiled: Compiled | null = null;

  constructor(layers: Layer[] = [], opts: { name?: string } = {}) {
    this.name = opts.name ?? 'sequential';
    for (const l of layers) this.add(l);
  }

  add(layer: Layer): void {
    if (this.layers.some((l) => l.name === layer.name)) {
      throw new nb.NablaError(`Sequential.add: a layer named '${layer.name}' is already in the model`);
    }
    if (this.layers.length > 0 && layer.batchInputShape) {
      throw new nb.NablaError(`Sequential.add: only the first layer takes inputShape/inputDim ('${layer.name}' is not first)`);
    }
    this.layers.push(layer);
    // Once the input shape is known, every layer added is built right away.
    const shape = this.inputShape;
    if (shape) this.build(shape);
  }

  /** The shape of one input sample, once known. */
  get inputShape(): LayerShape | undefined {
    return this.layers[0]?.inputShape ?? this.layers[0]?.batchInputShape;
  }

  /** Creates every layer's weights for samples of this shape. */
  build(inputShape: LayerShape): void {
    let shape = inputShape;
    for (const layer of this.layers) {
      if (!layer.built) layer.build(shape);
      shape = layer.computeOutputShape(shape);
    }
  }

  get outputShape(): LayerShape {
    let shape = this.requireBuilt('outputShape');
    for (const layer of this.layers) shape = layer.computeOutputShape(shape);
    return shape;
  }

  get weights(): Weight[] {
    return this.layers.flatMap((l) => l.weights);
  }

  get trainableWeights(): Weight[] {
    return this.weights.filter((w) => w.trainable);
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** Prints (or returns, with a print function) the Keras-style table of layers, shapes and parameter counts. */
  summary(print: (line: string) => void = console.log): void {
    this.requireBuilt('summary');
    for (const line of formatSummary(this)) print(line);
  }

  private requireBuilt(method: string): LayerShape {
    const shape = this.inputShape;
    if (shape === undefined || this.layers.some((l) => !l.built)) {
      throw new nb.NablaError(
        `${method}: the model is not built yet; give the first layer an inputShape or inputDim, or call fit/predict first`,
      );
    }
    return shape;
  }

  /** Builds from the data if needed and checks x's sample shape. */
  checkInput(method: string, x: nb.Tensor): void {
    if (this.layers.length === 0) throw new nb.NablaError(`${method}: the model has no layers`);
    this.build(this.inputShape ?? x.shape.slice(1));
    const expected = this.inputShape as LayerShape;
    const sample = x.shape.slice(1);
    if (sample.length !== expected.length || expected.some((d, i) => d !== null && d !== sample[i])) {
      throw new nb.NablaError(
        `${method}: expected x of shape [null,${expected.map((d) => d ?? 'null').join(',')}], got [${x.shape.join(',')}]`,
      );
    }
  }

  /** The forward pass; with `params`, those values stand in for the weights of the same names. */
  forward(x: nb.Tensor, training: boolean, params?: Params, seed?: nb.Tensor): nb.Tensor {
    const saved = params ? this.weights.map((w) => w.value) : [];
    if (params) for (const w of this.weights) w.value = params[w.name] ?? w.value;
    try {
      let y = x;
      this.layers.forEach((layer, i) => {
        // Each layer gets its own stream: the step's seed plus a per-position constant.
        const layerSeed = seed && training ? nb.add(seed, Math.imul(i + 1, 0x9e3779b1)) : undefined;
        y = layer.apply(y, { training, seed: layerSeed });
      });
      return y;
    } finally {
      if (params) {
        this.weights.forEach((w, i) => {
          w.value = saved[i];
        });
      }
    }
  }

  regularization(params: Params): nb.Tensor | null {
    const terms = this.weights
      .filter((w) => w.regularizer)
      .map((w) => (w.regularizer as NonNullable<Weight['regularizer']>).apply(params[w.name] ?? w.value));
    return terms.length === 0 ? null : terms.reduce((a, b) => nb.add(a, b));
  }

  compile(args: CompileArgs): void {
    if (!args || args.optimizer === undefined || args.loss === undefined) {
      throw new nb.NablaError('compile: needs { optimizer, loss }, for example { optimizer: "adam", loss: "meanSquaredError" }');
    }
    const loss = getLoss(args.loss);
    this.releaseCompiled();
    this.compiled = {
      optimizer: getOptimizer(args.optimizer),
      loss,
      metrics: (args.metrics ?? []).map((m) => getMetric(m, loss.name)),
      slots: null,
      iterations: 0,
      stepsPerExecution: checkStepsPerExecution(args.stepsPerExecution ?? 1),
      cache: new Map(),
    };
  }

  requireCompiled(method: string): Compiled {
    if (!this.compiled) throw new nb.NablaError(`${method}: the model must be compiled first: call model.compile({ optimizer, loss })`);
    return this.compiled;
  }

  get learningRate(): number {
    const c = this.requireCompiled('learningRate');
    return c.optimizer.currentLearningRate(c.iterations);
  }

  set learningRate(lr: number) {
    this.requireCompiled('learningRate').optimizer.learningRate = lr;
  }

  /** Trains for a number of epochs; returns the per-epoch history of loss and metrics. */
  fit(x: nb.TensorLike, y: nb.TensorLike, args: FitArgs = {}): Promise<History> {
    return fit(this, asTensor('fit', 'x', x), asTensor('fit', 'y', y), args);
  }

  /** Loss and metrics over the data, in batches; keys as in the fit history. */
  evaluate(x: nb.TensorLike, y: nb.TensorLike, args: { batchSize?: number } = {}): Promise<Record<string, number>> {
    return evaluate(this, asTensor('evaluate', 'x', x), asTensor('evaluate', 'y', y), args.batchSize ?? 32);
  }

  /** One optimizer step on exactly this batch; returns its loss and metrics. */
  async trainOnBatch(x: nb.TensorLike, y: nb.TensorLike): Promise<Record<string, number>> {
    const tx = asTensor('trainOnBatch', 'x', x);
    const n = checkSamples('trainOnBatch', tx, asTensor('trainOnBatch', 'y', y));
    const history = await fit(this, tx, asTensor('trainOnBatch', 'y', y), { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    return Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, v[0]]));
  }

  /** The model's outputs for x, computed in batches (lazily: read the result to run it). */
  predict(x: nb.TensorLike, args: { batchSize?: number } = {}): nb.Tensor {
    const tx = asTensor('predict', 'x', x);
    checkSamples('predict', tx);
    this.checkInput('predict', tx);
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize <= 0)
      throw new nb.NablaError(`predict: batchSize must be a positive integer, got ${batchSize}`);
    return nb.tidy(() => {
      const n = tx.shape[0];
      if (n <= batchSize) return this.forward(tx, false);
      const parts: nb.Tensor[] = [];
      for (let i = 0; i < n; i += batchSize) parts.push(this.forward(nb.slice(tx, [i], [Math.min(batchSize, n - i)]), false));
      return nb.concat(parts, 0);
    });
  }

  /** Saves architecture, weights and compile settings to a folder, atomically (see loadModel). */
  save(dir: string): Promise<void> {
    return saveModel(this, dir);
  }

  snapshotWeights(): nb.Tensor[] {
    return this.weights.map((w) => nb.keep(nb.add(w.value, 0)));
  }

  restoreWeights(values: nb.Tensor[]): void {
    this.setWeights(values);
  }

  getWeights(): nb.Tensor[] {
    return this.weights.map((w) => w.value);
  }

  /** Replaces every weight's value (taking ownership of the tensors); shapes must match. */
  setWeights(values: nb.Tensor[]): void {
    const weights = this.weights;
    if (values.length !== weights.length) throw new nb.NablaError(`setWeights: expected ${weights.length} tensors, got ${values.length}`);
    weights.forEach((w, i) => {
      const v = values[i];
      if (v.shape.length !== w.shape.length || v.shape.some((d, j) => d !== w.shape[j])) {
        throw new nb.NablaError(`setWeights: ${w.name} has shape [${w.shape}], got [${v.shape}]`);
      }
    });
    weights.forEach((w, i) => {
      w.assign(nb.keep(values[i]));
    });
  }

  /** Frees the weights, the optimizer state and the compiled steps. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
    this.releaseCompiled();
    this.compiled = null;
  }

  private releaseCompiled(): void {
    const c = this.compiled;
    if (!c) return;
    if (c.slots) nb.dispose(Object.values(c.slots).flatMap((s) => Object.values(s)));
    for (const step of c.cache.values()) step.dispose();
    c.cache.clear();
  }
}
