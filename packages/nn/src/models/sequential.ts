import * as nb from '@nabla/core';
import type { TrainingModel } from '../callbacks/callback.js';
import type { History } from '../callbacks/history.js';
import { writeResults } from '../callbacks/progress.js';
import type { Constraint } from '../constraints.js';
import { type DataSource, isDataSource } from '../data/source.js';
import { type SaveOptions, saveModel } from '../io/save.js';
import { Layer, type LayerShape, type Mask, type Masks, type Shapes } from '../layers/layer.js';
import { getLoss, type LossFn } from '../losses.js';
import { getMetric, type MetricFn } from '../metrics.js';
import { getOptimizer } from '../optimizers/index.js';
import { Optimizer, type Slots } from '../optimizers/optimizer.js';
import { checkConfig, listOf } from '../options.js';
import { type ClassWeight, resolveSampleWeight } from '../training/class-weight.js';
import { asTensor, checkSamples } from '../training/data.js';
import { EVALUATE_OPTIONS, type EvaluateArgs, evaluate, type FitArgs, fit } from '../training/fit.js';
import { RunLock } from '../training/lock.js';
import type { Weight } from '../weight.js';
import { formatSummary } from './summary.js';

export interface CompileArgs {
  optimizer: string | Optimizer;
  loss: string | LossFn;
  /** Metrics of the predictions, unweighted (Keras 3: sample weights apply to weightedMetrics only). */
  metrics?: (string | MetricFn)[];
  /**
   * Metrics weighted by fit's and evaluate's sampleWeight (or classWeight): weighted means, as
   * Keras's weighted_metrics. A name also in `metrics` is logged as `weighted_<name>`.
   */
  weightedMetrics?: (string | MetricFn)[];
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
  weightedMetrics: { name: string; fn: MetricFn }[];
  /** Optimizer slots per slot group of the trainable weights (Optimizer.slotGroups), created on the first step. */
  slots: Slots | null;
  /** Optimizer steps taken so far. */
  iterations: number;
  stepsPerExecution: number;
  /** Compiled steps, by kind; released when compile() is called again or the model is disposed. */
  cache: Map<string, { dispose(): void }>;
}

const metricList = listOf('metric names or functions', nb.is.either(nb.is.string, nb.is.function));

/** compile's options: Keras's loss_weights, run_eagerly, jit_compile and the like are errors naming the valid ones. */
const COMPILE_OPTIONS: nb.OptionSchema = {
  optimizer: nb.is.either(nb.is.string, nb.is.instance(Optimizer, 'an Optimizer')),
  loss: nb.is.either(nb.is.string, nb.is.function),
  metrics: metricList,
  weightedMetrics: metricList,
  stepsPerExecution: nb.is.positiveInteger,
};

/**
 * predict's options. `verbose` is accepted from TF.js and Keras code and prints nothing: predict
 * records a lazy graph, so there is no progress to show.
 */
const PREDICT_OPTIONS: nb.OptionSchema = { batchSize: nb.is.positiveInteger, verbose: nb.is.either(nb.is.oneOf(0, 1, 2), nb.is.boolean) };

/** evaluate's results, printed first with verbose 1 or 2. */
function reported(results: Record<string, number>, verbose: number | undefined): Record<string, number> {
  if (verbose) writeResults(results);
  return results;
}

/** Options of trainOnBatch: Keras's sample_weight and class_weight. */
export interface TrainOnBatchArgs {
  sampleWeight?: nb.TensorLike;
  classWeight?: ClassWeight;
}

/** Keras's rule for a weighted metric whose name a plain metric already has: `weighted_<name>`. */
function weightedNames(plain: { name: string }[], weighted: { name: string; fn: MetricFn }[]): { name: string; fn: MetricFn }[] {
  const taken = new Set(plain.map((m) => m.name));
  return weighted.map((m) => {
    let name = taken.has(m.name) ? `weighted_${m.name}` : m.name;
    for (let i = 1; taken.has(name); i++) name = `weighted_${m.name}_${i}`;
    taken.add(name);
    return { ...m, name };
  });
}

/** A Sequential layer's one output shape; several are an error naming the functional API. */
export function singleShape(layer: Layer, shapes: Shapes): LayerShape {
  if (shapes.length > 0 && Array.isArray(shapes[0])) {
    throw new nb.NablaError(
      `Sequential: layer '${layer.name}' returns ${shapes.length} tensors; a Sequential layer returns one (build the model with the functional API, nn.Model)`,
    );
  }
  return shapes as LayerShape;
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
  /** One fit (or evaluations) at a time: see RunLock. */
  readonly runLock = new RunLock();
  private isTrainable = true;

  /**
   * `new Sequential([layers], { name })` as Keras, or `new Sequential({ layers, name })` as
   * TensorFlow.js's `tf.sequential`.
   */
  constructor(layers: Layer[] | { layers?: Layer[]; name?: string } = [], opts?: { name?: string }, ...extra: unknown[]) {
    nb.checkArity('Sequential', [layers, opts, ...extra], 2);
    let list: unknown = layers;
    let options: { name?: string } | undefined = opts;
    if (!Array.isArray(layers)) {
      if (opts !== undefined)
        throw new nb.NablaError('Sequential: give the options once: new Sequential({ layers, name }) or new Sequential(layers, { name })');
      const config = checkConfig('Sequential', layers, { layers: nb.is.any, name: nb.is.string });
      list = config.layers ?? [];
      options = { name: config.name };
    }
    this.name = checkConfig('Sequential', options, { name: nb.is.string }).name ?? 'sequential';
    if (!Array.isArray(list)) throw new nb.NablaError(`Sequential: layers must be a list of layers, got ${nb.describe(list)}`);
    for (const l of list) this.add(l);
  }

  add(layer: Layer, ...extra: unknown[]): void {
    nb.checkArity('Sequential.add', [layer, ...extra], 1);
    if (!(layer instanceof Layer)) throw new nb.NablaError(`Sequential.add: expected a layer, got ${nb.describe(layer)}`);
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
    return (this.layers[0]?.inputShape as LayerShape | undefined) ?? this.layers[0]?.batchInputShape;
  }

  /** Creates every layer's weights for samples of this shape. */
  build(inputShape: LayerShape, ...extra: unknown[]): void {
    nb.checkArity('build', [inputShape, ...extra], 1);
    let shape = inputShape;
    for (const layer of this.layers) {
      if (!layer.built) layer.build(shape);
      shape = singleShape(layer, layer.computeOutputShape(shape));
    }
  }

  get outputShape(): LayerShape {
    let shape = this.requireBuilt('outputShape');
    for (const layer of this.layers) shape = singleShape(layer, layer.computeOutputShape(shape));
    return shape;
  }

  get weights(): Weight[] {
    return this.layers.flatMap((l) => l.weights);
  }

  /** The weights fit updates: those of trainable layers, as the flags are now. */
  get trainableWeights(): Weight[] {
    return this.isTrainable ? this.weights.filter((w) => w.trainable) : [];
  }

  /** The weights fit leaves alone (frozen layers' and weights'). */
  get nonTrainableWeights(): Weight[] {
    const trainable = new Set(this.trainableWeights);
    return this.weights.filter((w) => !trainable.has(w));
  }

  /**
   * Setting it sets every layer's `trainable`, as Keras's `model.trainable = False`; while it is
   * false the model has no trainable weights at all, whatever its layers say (as in Keras). It
   * takes effect at the next fit; no new compile() is needed (see Layer.trainable).
   */
  get trainable(): boolean {
    return this.isTrainable;
  }
  set trainable(v: boolean) {
    nb.checkArg('Sequential.trainable', 'trainable', v, nb.is.boolean, false);
    this.isTrainable = v;
    for (const l of this.layers) l.trainable = v;
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** Prints (or returns, with a print function) the Keras-style table of layers, shapes and parameter counts. */
  summary(print: (line: string) => void = console.log, ...extra: unknown[]): void {
    nb.checkArity('summary', [print, ...extra], 1);
    nb.checkArg('summary', 'print', print, nb.is.function);
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

  /**
   * The forward pass, passing each layer's output mask to the next (Embedding's maskZero reaches
   * a recurrent layer). Layers with an activity regularizer push its penalty onto `losses` when it
   * is given. The training step runs it inside withWeightValues, which substitutes its traced
   * weight values.
   */
  forward(x: nb.Tensor, training: boolean, seed?: nb.Tensor, losses?: nb.Tensor[]): nb.Tensor {
    let y = x;
    let mask: Masks = null;
    this.layers.forEach((layer, i) => {
      // Each layer gets its own stream: the step's seed plus a per-position constant.
      const layerSeed = seed && training ? nb.add(seed, Math.imul(i + 1, 0x9e3779b1)) : undefined;
      const out = layer.apply(y, { training, seed: layerSeed, losses, mask });
      if (Array.isArray(out)) {
        throw new nb.NablaError(
          `Sequential: layer '${layer.name}' returns ${out.length} tensors; a Sequential layer returns one (build the model with the functional API, nn.Model)`,
        );
      }
      mask = layer.computeMask(y, mask) as Mask;
      y = out;
    });
    return y;
  }

  /** The weight regularizers' penalties on trainable weights (Keras 3 leaves frozen weights out). */
  regularization(): nb.Tensor | null {
    const trainable = new Set(this.trainableWeights);
    const terms = this.weights
      .filter((w) => w.regularizer && trainable.has(w))
      .map((w) => (w.regularizer as NonNullable<Weight['regularizer']>).apply(w.value));
    return terms.length === 0 ? null : terms.reduce((a, b) => nb.add(a, b));
  }

  /** The weight constraints by weight name (Keras applies them after each optimizer update). */
  constraints(): Record<string, Constraint> {
    const out: Record<string, Constraint> = {};
    for (const w of this.weights) if (w.constraint) out[w.name] = w.constraint;
    return out;
  }

  compile(args: CompileArgs, ...extra: unknown[]): void {
    nb.checkArity('compile', [args, ...extra], 1);
    this.runLock.check('compile');
    checkConfig('compile', args, COMPILE_OPTIONS);
    if (!args || args.optimizer === undefined || args.loss === undefined) {
      throw new nb.NablaError('compile: needs { optimizer, loss }, for example { optimizer: "adam", loss: "meanSquaredError" }');
    }
    const loss = getLoss(args.loss);
    const optimizer = getOptimizer(args.optimizer);
    const metrics = (args.metrics ?? []).map((m) => getMetric(m));
    const weightedMetrics = weightedNames(
      metrics,
      (args.weightedMetrics ?? []).map((m) => getMetric(m)),
    );
    this.releaseCompiled();
    this.compiled = {
      optimizer,
      loss,
      metrics,
      weightedMetrics,
      slots: null,
      iterations: 0,
      stepsPerExecution: args.stepsPerExecution ?? 1,
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

  /**
   * Trains for a number of epochs; returns the per-epoch history of loss and metrics.
   * `fit(x, y, options)` on tensors or arrays, or `fit(data, options)` on a dataset, generator or
   * async iterator of batches (Keras's fit(dataset), TensorFlow.js's fitDataset): see nn.data.
   */
  fit(x: nb.TensorLike, y: nb.TensorLike, args?: FitArgs, ...extra: unknown[]): Promise<History>;
  fit(data: DataSource, args?: FitArgs, ...extra: unknown[]): Promise<History>;
  fit(x: nb.TensorLike | DataSource, y?: nb.TensorLike | FitArgs, args?: FitArgs, ...extra: unknown[]): Promise<History> {
    try {
      if (isDataSource(x)) {
        nb.checkArity('fit', args === undefined && extra.length === 0 ? [x, y] : [x, y, args, ...extra], 2);
        return fit(this, { source: x }, y as FitArgs | undefined);
      }
      nb.checkArity('fit', [x, y, args, ...extra], 3);
      return fit(this, { x: asTensor('fit', 'x', x), y: asTensor('fit', 'y', y as nb.TensorLike) }, args ?? {});
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Loss and metrics over the data, in batches; keys as in the fit history. `evaluate(x, y,
   * options)`, or `evaluate(data, options)` over a dataset or generator of batches.
   */
  evaluate(x: nb.TensorLike, y: nb.TensorLike, args?: EvaluateArgs, ...extra: unknown[]): Promise<Record<string, number>>;
  evaluate(data: DataSource, args?: EvaluateArgs, ...extra: unknown[]): Promise<Record<string, number>>;
  async evaluate(
    x: nb.TensorLike | DataSource,
    y?: nb.TensorLike | EvaluateArgs,
    args?: EvaluateArgs,
    ...extra: unknown[]
  ): Promise<Record<string, number>> {
    if (isDataSource(x)) {
      nb.checkArity('evaluate', args === undefined && extra.length === 0 ? [x, y] : [x, y, args, ...extra], 2);
      const o = checkConfig('evaluate', (y ?? {}) as EvaluateArgs, EVALUATE_OPTIONS);
      for (const key of ['batchSize', 'sampleWeight'] as const) {
        if (o[key] !== undefined)
          throw new nb.NablaError(`evaluate: ${key} applies to x and y given as tensors or arrays, not to a dataset`);
      }
      return reported(await evaluate(this, { source: x, steps: o.steps }, o.signal), o.verbose);
    }
    nb.checkArity('evaluate', [x, y, args, ...extra], 3);
    const o = checkConfig('evaluate', args ?? {}, EVALUATE_OPTIONS);
    if (o.steps !== undefined)
      throw new nb.NablaError('evaluate: steps applies to a dataset or generator; with x and y, every sample is evaluated');
    const tx = asTensor('evaluate', 'x', x);
    const weights =
      o.sampleWeight === undefined ? null : await resolveSampleWeight('evaluate', o.sampleWeight, checkSamples('evaluate', tx));
    try {
      const ty = asTensor('evaluate', 'y', y as nb.TensorLike);
      return reported(await evaluate(this, { x: tx, y: ty, weights, batchSize: o.batchSize ?? 32 }, o.signal), o.verbose);
    } finally {
      weights?.dispose();
    }
  }

  /** One optimizer step on exactly this batch; returns its loss and metrics. */
  async trainOnBatch(
    x: nb.TensorLike,
    y: nb.TensorLike,
    args: TrainOnBatchArgs = {},
    ...extra: unknown[]
  ): Promise<Record<string, number>> {
    nb.checkArity('trainOnBatch', [x, y, args, ...extra], 3);
    const o = checkConfig('trainOnBatch', args, { sampleWeight: nb.is.any, classWeight: nb.is.object });
    const tx = asTensor('trainOnBatch', 'x', x);
    const ty = asTensor('trainOnBatch', 'y', y);
    const n = checkSamples('trainOnBatch', tx, ty);
    const history = await fit(this, { x: tx, y: ty }, { ...o, epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    return Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, v[0]]));
  }

  /** The model's outputs for x, computed in batches (lazily: read the result to run it). */
  predict(x: nb.TensorLike, args: { batchSize?: number; verbose?: 0 | 1 | 2 | boolean } = {}, ...extra: unknown[]): nb.Tensor {
    nb.checkArity('predict', [x, args, ...extra], 2);
    const batchSize = checkConfig('predict', args, PREDICT_OPTIONS).batchSize ?? 32;
    const tx = asTensor('predict', 'x', x);
    checkSamples('predict', tx);
    this.checkInput('predict', tx);
    return nb.tidy(() => {
      const n = tx.shape[0];
      if (n <= batchSize) return this.forward(tx, false);
      const parts: nb.Tensor[] = [];
      for (let i = 0; i < n; i += batchSize) parts.push(this.forward(nb.slice(tx, [i], [Math.min(batchSize, n - i)]), false));
      return nb.concat(parts, 0);
    });
  }

  /**
   * Saves architecture, weights and compile settings to a folder (Node), `indexeddb://name` or
   * `downloads://name` (browsers); a crash never leaves the destination without a whole model.
   * Replaces only an existing nabla model (unless `{ overwrite: false }`), never other files.
   */
  save(path: string, options?: SaveOptions, ...extra: unknown[]): Promise<void> {
    if (extra.length > 0)
      return Promise.reject(new nb.NablaError(`save: takes at most 2 arguments (a path and options), got ${2 + extra.length}`));
    let leave: () => void;
    try {
      // A save reads every weight over several awaits: not while a fit replaces them.
      leave = this.runLock.join('save');
    } catch (e) {
      return Promise.reject(e);
    }
    return saveModel(this, path, options).finally(leave);
  }

  snapshotWeights(): nb.Tensor[] {
    return this.weights.map((w) => nb.keep(nb.add(w.value, 0)));
  }

  getWeights(...extra: unknown[]): nb.Tensor[] {
    nb.checkArity('getWeights', extra, 0);
    return this.weights.map((w) => w.value);
  }

  /** Replaces every weight's value (taking ownership of the tensors); shapes must match. */
  setWeights(values: nb.Tensor[], ...extra: unknown[]): void {
    nb.checkArity('setWeights', [values, ...extra], 1);
    this.runLock.check('setWeights');
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
  dispose(...extra: unknown[]): void {
    nb.checkArity('dispose', extra, 0);
    this.runLock.check('dispose');
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
