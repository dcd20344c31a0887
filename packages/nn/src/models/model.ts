import * as nb from '@nabla/core';
import type { TrainingModel } from '../callbacks/callback.js';
import type { History } from '../callbacks/history.js';
import { writeResults } from '../callbacks/progress.js';
import type { Constraint } from '../constraints.js';
import { type DataSource, isDataSource } from '../data/source.js';
import { type SaveOptions, saveModel } from '../io/save.js';
import type { Layer, LayerShape } from '../layers/layer.js';
import { getLoss, type LossFn } from '../losses.js';
import { getMetric, type MetricFn } from '../metrics.js';
import { getOptimizer } from '../optimizers/index.js';
import { Optimizer, type Slots } from '../optimizers/optimizer.js';
import { checkConfig, listOf } from '../options.js';
import { type ClassWeight, resolveSampleWeight } from '../training/class-weight.js';
import { checkSamples } from '../training/data.js';
import { EVALUATE_OPTIONS, type EvaluateArgs, evaluate, type FitArgs, fit } from '../training/fit.js';
import { RunLock } from '../training/lock.js';
import type { Weight } from '../weight.js';
import { type FunctionalGraph, type GraphConfig, graphConfig, runGraph, traceGraph } from './graph.js';
import { checkExact, dataList, type Layout, PLAIN, pack, packingOf } from './packing.js';
import { formatGraphSummary } from './summary.js';
import { SymbolicTensor } from './symbolic.js';

type LossId = string | LossFn;
type MetricIds = (string | MetricFn)[];

export interface CompileArgs {
  optimizer: string | Optimizer;
  /**
   * The loss; with several outputs, one per output (a list in output order, or an object by
   * output name), or one for all.
   */
  loss: LossId | LossId[] | Record<string, LossId>;
  /** With several outputs: each output's loss's weight in the total (a list or an object by name; default 1). */
  lossWeights?: number[] | Record<string, number>;
  /**
   * Metrics of the predictions, unweighted (Keras 3: sample weights apply to weightedMetrics
   * only). With several outputs: a list per output, or an object by output name; logged as
   * `<output>_<metric>`.
   */
  metrics?: MetricIds | MetricIds[] | Record<string, MetricIds>;
  /**
   * Metrics weighted by fit's and evaluate's sampleWeight (or classWeight): weighted means, as
   * Keras's weighted_metrics. A name also in `metrics` is logged as `weighted_<name>`.
   */
  weightedMetrics?: MetricIds | MetricIds[] | Record<string, MetricIds>;
  /**
   * Optimizer steps per compiled execution (Keras's steps_per_execution, default 1). Batch
   * callbacks then run after each execution, once per batch, in order.
   */
  stepsPerExecution?: number;
}

/** What compile() resolved, plus the optimizer's state. */
/** One output's part of compile(): its loss, the loss's weight, the names of its metrics and weighted metrics as given. */
export interface CompiledOutput {
  name: string;
  loss: { name: string; fn: LossFn };
  weight: number;
  metricNames: string[];
  weightedMetricNames: string[];
}

export interface Compiled {
  optimizer: Optimizer;
  /** The first output's loss (the loss of a one-output model). */
  loss: { name: string; fn: LossFn };
  /** Per output, in order. */
  outputs: CompiledOutput[];
  /** Logged names (prefixed by the output's name with several outputs) and the output each reads. */
  metrics: { name: string; fn: MetricFn; output: number }[];
  weightedMetrics: { name: string; fn: MetricFn; output: number }[];
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
const lossCheck = nb.is.either(nb.is.string, nb.is.function);
const perOutput =
  (one: nb.Check, what: string): nb.Check =>
  (v) =>
    one(v) === undefined ||
    (Array.isArray(v) && v.every((e) => one(e) === undefined)) ||
    (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((e) => one(e) === undefined))
      ? undefined
      : `${what}, or one per output (a list or an object by output name)`;
const COMPILE_OPTIONS: nb.OptionSchema = {
  optimizer: nb.is.either(nb.is.string, nb.is.instance(Optimizer, 'an Optimizer')),
  loss: perOutput(lossCheck, 'a loss name or function'),
  lossWeights: perOutput(nb.is.number, 'a number'),
  metrics: perOutput(metricList, 'a list of metric names or functions'),
  weightedMetrics: perOutput(metricList, 'a list of metric names or functions'),
  stepsPerExecution: nb.is.positiveInteger,
};

/**
 * predict's options. `verbose` is accepted from TF.js and Keras code and prints nothing: predict
 * records a lazy graph, so there is no progress to show.
 */
export interface PredictArgs {
  batchSize?: number;
  /** Accepted from TF.js and Keras code; predict prints nothing. */
  verbose?: 0 | 1 | 2 | boolean;
}
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
function weightedNames<M extends { name: string }>(plain: { name: string }[], weighted: M[]): M[] {
  const taken = new Set(plain.map((m) => m.name));
  return weighted.map((m) => {
    let name = taken.has(m.name) ? `weighted_${m.name}` : m.name;
    for (let i = 1; taken.has(name); i++) name = `weighted_${m.name}_${i}`;
    taken.add(name);
    return { ...m, name };
  });
}

/**
 * A compile option given once for every output, as a list in output order, or as an object by
 * output name (Keras's forms), as a list per output.
 */
function perOutputOf<T>(what: string, given: T | T[] | Record<string, T>, names: string[], isOne: (v: unknown) => boolean): T[] {
  if (isOne(given)) return names.map(() => given as T);
  if (Array.isArray(given)) {
    if (given.length !== names.length)
      throw new nb.NablaError(`compile: ${what} has ${given.length} entries for ${names.length} outputs (${names.join(', ')})`);
    return given;
  }
  const record = given as Record<string, T>;
  const unknown = Object.keys(record).filter((k) => !names.includes(k));
  if (unknown.length > 0)
    throw new nb.NablaError(
      `compile: ${what} names ${unknown.map((k) => `'${k}'`).join(', ')}, not an output of the model (${names.join(', ')})`,
    );
  return names.map((n) => {
    if (!(n in record)) throw new nb.NablaError(`compile: ${what} has nothing for output '${n}'`);
    return record[n];
  });
}

/**
 * A model's data: a tensor or array (one input or output), a list of them in the model's order,
 * or an object by input (output) name.
 */
export type ModelData = nb.TensorLike | nb.Tensor[] | Record<string, nb.TensorLike>;

/** What `new Model({ inputs, outputs })` takes (Keras's keras.Model(inputs, outputs), TensorFlow.js's tf.model). */
export interface ModelArgs<O extends Outputs = Outputs> {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: O;
  name?: string;
}

/** A model's outputs as given to it: one symbolic tensor, or a list (then predict returns a list). */
export type Outputs = SymbolicTensor | SymbolicTensor[];
/** Any model, whatever its outputs: what training, saving and callbacks take. */
// biome-ignore lint/suspicious/noExplicitAny: the outputs' type matters to predict only
export type AnyModel = Model<any>;

/** What predict returns for those outputs: a tensor, or a list in the outputs' order. */
export type Predicted<O extends Outputs> = O extends SymbolicTensor[] ? nb.Tensor[] : nb.Tensor;

/** How a subclass (Sequential) constructs the base without a graph. */
export const SUBCLASS: unique symbol = Symbol('nabla.Model subclass');
interface SubclassArgs {
  [SUBCLASS]: true;
  name: string;
}

const symbolicList = (what: string) => (v: unknown) =>
  v instanceof SymbolicTensor || (Array.isArray(v) && v.length > 0 && v.every((t) => t instanceof SymbolicTensor))
    ? undefined
    : `${what}: a symbolic tensor from nn.input or layer.apply, or a list of them`;

/**
 * A model: layers, compile, fit, evaluate, predict, save. Built with the functional API
 * (Keras's keras.Model(inputs, outputs), TensorFlow.js's tf.model):
 *
 *     const x = nn.input({ shape: [784] });
 *     const h = new nn.Dense(64, { activation: 'relu' }).apply(x);
 *     const model = new nn.Model({ inputs: x, outputs: new nn.Dense(10).apply(h) });
 *
 * A layer may be called more than once (shared weights); Sequential is a Model too. With a
 * list of outputs (`outputs: [a, b]`), predict returns a list; a model loaded by loadModel is
 * typed as one of one output unless given its type (`loadModel<nn.SymbolicTensor[]>(path)`).
 */
export class Model<O extends Outputs = SymbolicTensor> implements TrainingModel {
  readonly name: string;
  stopTraining = false;
  compiled: Compiled | null = null;
  /** One fit (or evaluations) at a time: see RunLock. */
  readonly runLock = new RunLock();
  protected isTrainable = true;
  /** The functional graph; null for a Sequential, which keeps its own list. */
  protected readonly graph: FunctionalGraph | null;

  constructor(args: ModelArgs<O>, ...extra: unknown[]) {
    nb.checkArity('Model', [args, ...extra], 1);
    if (args !== null && typeof args === 'object' && SUBCLASS in args) {
      this.name = (args as unknown as SubclassArgs).name;
      this.graph = null;
      return;
    }
    const o = checkConfig('Model', args, { inputs: symbolicList('inputs'), outputs: symbolicList('outputs'), name: nb.is.string });
    if (o?.inputs === undefined || o.outputs === undefined) {
      throw new nb.NablaError('Model: needs { inputs, outputs }: symbolic tensors from nn.input and layer.apply');
    }
    const list = (v: SymbolicTensor | SymbolicTensor[]) => (Array.isArray(v) ? v : [v]);
    this.graph = traceGraph('Model', list(o.inputs), list(o.outputs));
    this.name = o.name ?? 'model';
  }

  /** The functional graph as model.json saves it (null for a Sequential). */
  graphConfig(): GraphConfig | null {
    return this.graph ? graphConfig(this.graph) : null;
  }

  /** The class name saved in model.json. */
  get className(): string {
    return 'Model';
  }

  /** The layers, each once, in the order they are first called. */
  get layers(): Layer[] {
    return this.requireGraph().layers;
  }

  /** The symbolic inputs (functional models). */
  get inputs(): SymbolicTensor[] {
    return this.requireGraph().inputs;
  }

  /** The symbolic outputs (functional models). */
  get outputs(): SymbolicTensor[] {
    return this.requireGraph().outputs;
  }

  protected requireGraph(): FunctionalGraph {
    if (!this.graph) throw new nb.NablaError(`${this.name}: a ${this.className} has no functional graph (its layers are a list)`);
    return this.graph;
  }

  /** The shape of one input sample (a one-input model), once known. */
  get inputShape(): LayerShape | undefined {
    const inputs = this.requireGraph().inputs;
    return inputs.length === 1 ? inputs[0].shape.slice(1) : undefined;
  }

  /** The inputs' names: data may be given as an object by these names. */
  get inputNames(): string[] {
    return this.requireGraph().inputs.map((t) => t.name);
  }

  /** The outputs' names (their layers'): per-output losses, metrics and logs use them. */
  get outputNames(): string[] {
    return this.requireGraph().outputs.map((t) => {
      const call = t.producer;
      if (!call) return t.name;
      return call.outputs.length > 1 ? `${call.layer.name}_${t.index}` : call.layer.name;
    });
  }

  /**
   * x and y as the training pipeline takes them: one tensor each, the model's inputs (outputs)
   * packed side by side when it has several (see packing.ts), with the layout that unpacks them
   * and a check of integer inputs to await before training.
   */
  packData(
    method: string,
    x: unknown,
    y: unknown,
  ): { x: nb.Tensor; y: nb.Tensor; layout: Layout; check?: () => Promise<void>; release: () => void } {
    const xs = dataList(method, 'x', x, this.inputNames);
    const ys = dataList(method, 'y', y, this.outputNames);
    const given = new Set(
      [x, y].flatMap((g) => (g instanceof nb.Tensor ? [g] : g !== null && typeof g === 'object' ? Object.values(g) : [])),
    );
    // Frees what was made here (converted arrays, packed rows) once the run is over.
    const release =
      (...made: nb.Tensor[]) =>
      () =>
        nb.dispose([...xs, ...ys, ...made].filter((t) => !given.has(t)));
    const n = checkSamples(method, xs[0], ys[0]);
    const named = [
      ...xs.map((t, k) => [`x '${this.inputNames[k]}'`, t] as const),
      ...ys.map((t, k) => [`y '${this.outputNames[k]}'`, t] as const),
    ];
    for (const [what, t] of named) {
      if (t.rank === 0 || t.shape[0] !== n) {
        throw new nb.NablaError(
          `${method}: ${what} has ${t.rank === 0 ? 'no batch axis' : `${t.shape[0]} samples`}, the first input ${n} (shape [${t.shape}])`,
        );
      }
    }
    if (xs.length === 1 && ys.length === 1) return { x: xs[0], y: ys[0], layout: PLAIN, release: release() };
    this.checkInputs(method, xs);
    const px = xs.length > 1 ? packingOf(this.inputNames, xs) : null;
    const py = ys.length > 1 ? packingOf(this.outputNames, ys) : null;
    const layout: Layout = { x: px, y: py, key: `${px?.key ?? 'x'}|${py?.key ?? 'y'}` };
    const packed = { x: px ? pack(px, xs) : xs[0], y: py ? pack(py, ys) : ys[0] };
    if (packed.x.shape[0] !== n) throw new nb.NablaError(`${method}: internal: packed ${packed.x.shape[0]} of ${n} samples`);
    return {
      ...packed,
      layout,
      release: release(packed.x, packed.y),
      check: async () => {
        if (px) await checkExact(method, px, xs);
        if (py) await checkExact(method, py, ys);
      },
    };
  }

  /** Checks each input's sample shape against the model's inputs. */
  checkInputs(method: string, xs: nb.Tensor[]): void {
    const inputs = this.requireGraph().inputs;
    if (xs.length !== inputs.length) throw new nb.NablaError(`${method}: the model takes ${inputs.length} inputs, got ${xs.length}`);
    inputs.forEach((t, k) => {
      const expected = t.shape.slice(1);
      const sample = xs[k].shape.slice(1);
      if (sample.length !== expected.length || expected.some((d, i) => d !== null && d !== sample[i])) {
        throw new nb.NablaError(
          `${method}: input '${t.name}' expects shape [null,${expected.map((d) => d ?? 'null').join(',')}], got [${xs[k].shape.join(',')}]`,
        );
      }
    });
  }

  /** The forward pass on every input, returning every output (see forward). */
  forwardAll(xs: nb.Tensor[], training: boolean, seed?: nb.Tensor, losses?: nb.Tensor[]): nb.Tensor[] {
    return runGraph(this.requireGraph(), xs, training, seed, losses);
  }

  /** The shape of one output sample (a one-output model). */
  get outputShape(): LayerShape {
    const outputs = this.requireGraph().outputs;
    if (outputs.length !== 1) throw new nb.NablaError(`${this.name}: outputShape: the model has ${outputs.length} outputs`);
    return outputs[0].shape.slice(1);
  }

  /** Each weight once (a shared layer's too), in the order of the layers. */
  get weights(): Weight[] {
    return [...new Set(this.layers.flatMap((l) => l.weights))];
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
    nb.checkArg(`${this.className}.trainable`, 'trainable', v, nb.is.boolean, false);
    this.isTrainable = v;
    for (const l of this.layers) l.trainable = v;
  }

  countParams(): number {
    return this.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** Prints (or returns, with a print function) the Keras-style table of layers, shapes and parameter counts. */
  summary(print: (line: string) => void = console.log, ...extra: unknown[]): void {
    nb.checkArity('summary', [print, ...extra], 1);
    nb.checkArg('summary', 'print', print, nb.is.function);
    for (const line of formatGraphSummary(this, this.requireGraph())) print(line);
  }

  /** Checks x's sample shape against the model's input (and builds a Sequential from it). */
  checkInput(method: string, x: nb.Tensor): void {
    const inputs = this.requireGraph().inputs;
    if (inputs.length !== 1)
      throw new nb.NablaError(`${method}: the model takes ${inputs.length} inputs; give a list of ${inputs.length} tensors`);
    const expected = inputs[0].shape.slice(1);
    const sample = x.shape.slice(1);
    if (sample.length !== expected.length || expected.some((d, i) => d !== null && d !== sample[i])) {
      throw new nb.NablaError(
        `${method}: expected x of shape [null,${expected.map((d) => d ?? 'null').join(',')}], got [${x.shape.join(',')}]`,
      );
    }
  }

  /**
   * The forward pass of a one-input, one-output model. Layers with an activity regularizer push
   * its penalty onto `losses` when it is given. The training step runs it inside
   * withWeightValues, which substitutes its traced weight values.
   */
  forward(x: nb.Tensor, training: boolean, seed?: nb.Tensor, losses?: nb.Tensor[]): nb.Tensor {
    const g = this.requireGraph();
    if (g.inputs.length !== 1 || g.outputs.length !== 1) {
      throw new nb.NablaError(
        `${this.name}: forward takes a model of one input and one output; this one has ${g.inputs.length} and ${g.outputs.length} (use forwardAll)`,
      );
    }
    return runGraph(g, [x], training, seed, losses)[0];
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
    const names = this.outputNames;
    const losses = perOutputOf('loss', args.loss, names, (v) => typeof v === 'string' || typeof v === 'function');
    const lossWeights =
      args.lossWeights === undefined
        ? names.map(() => 1)
        : perOutputOf('lossWeights', args.lossWeights, names, (v) => typeof v === 'number');
    const optimizer = getOptimizer(args.optimizer);
    const metricsOf = (given: CompileArgs['metrics'], what: string) => {
      if (given === undefined) return names.map(() => [] as MetricIds);
      const flat = Array.isArray(given) && given.every((m) => !Array.isArray(m));
      if (flat && names.length > 1) {
        throw new nb.NablaError(
          `compile: the model has ${names.length} outputs (${names.join(', ')}); give ${what} per output, as a list of lists or an object by output name`,
        );
      }
      return flat ? [given as MetricIds] : perOutputOf(what, given as MetricIds[] | Record<string, MetricIds>, names, () => false);
    };
    const label = (k: number, name: string) => (names.length > 1 ? `${names[k]}_${name}` : name);
    const resolve = (lists: MetricIds[]) =>
      lists.flatMap((list, k) =>
        list.map((m) => {
          const r = getMetric(m);
          return { ...r, name: label(k, r.name), output: k };
        }),
      );
    const metricLists = metricsOf(args.metrics, 'metrics');
    const weightedLists = metricsOf(args.weightedMetrics, 'weightedMetrics');
    const metrics = resolve(metricLists);
    const weightedMetrics = weightedNames(metrics, resolve(weightedLists));
    const outputs = names.map((name, k) => ({
      name,
      loss: getLoss(losses[k]),
      weight: lossWeights[k],
      metricNames: metricLists[k].map((m) => getMetric(m).name),
      weightedMetricNames: weightedLists[k].map((m) => getMetric(m).name),
    }));
    this.releaseCompiled();
    this.compiled = {
      optimizer,
      loss: outputs[0].loss,
      outputs,
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
  fit(x: ModelData, y: ModelData, args?: FitArgs, ...extra: unknown[]): Promise<History>;
  fit(data: DataSource, args?: FitArgs, ...extra: unknown[]): Promise<History>;
  fit(x: ModelData | DataSource, y?: ModelData | FitArgs, args?: FitArgs, ...extra: unknown[]): Promise<History> {
    try {
      if (isDataSource(x)) {
        nb.checkArity('fit', args === undefined && extra.length === 0 ? [x, y] : [x, y, args, ...extra], 2);
        return fit(this, { source: x }, y as FitArgs | undefined);
      }
      nb.checkArity('fit', [x, y, args, ...extra], 3);
      const data = this.packData('fit', x, y);
      return fit(this, data, args ?? {}).finally(data.release);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Loss and metrics over the data, in batches; keys as in the fit history. `evaluate(x, y,
   * options)`, or `evaluate(data, options)` over a dataset or generator of batches.
   */
  evaluate(x: ModelData, y: ModelData, args?: EvaluateArgs, ...extra: unknown[]): Promise<Record<string, number>>;
  evaluate(data: DataSource, args?: EvaluateArgs, ...extra: unknown[]): Promise<Record<string, number>>;
  async evaluate(
    x: ModelData | DataSource,
    y?: ModelData | EvaluateArgs,
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
    const data = this.packData('evaluate', x, y);
    const weights =
      o.sampleWeight === undefined ? null : await resolveSampleWeight('evaluate', o.sampleWeight, checkSamples('evaluate', data.x));
    try {
      return reported(await evaluate(this, { ...data, weights, batchSize: o.batchSize ?? 32 }, o.signal), o.verbose);
    } finally {
      weights?.dispose();
      data.release();
    }
  }

  /** One optimizer step on exactly this batch; returns its loss and metrics. */
  async trainOnBatch(x: ModelData, y: ModelData, args: TrainOnBatchArgs = {}, ...extra: unknown[]): Promise<Record<string, number>> {
    nb.checkArity('trainOnBatch', [x, y, args, ...extra], 3);
    const o = checkConfig('trainOnBatch', args, { sampleWeight: nb.is.any, classWeight: nb.is.object });
    const data = this.packData('trainOnBatch', x, y);
    const history = await fit(this, data, { ...o, epochs: 1, batchSize: data.x.shape[0], shuffle: false, verbose: 0 }).finally(
      data.release,
    );
    return Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, v[0]]));
  }

  /**
   * The model's outputs for x, computed in batches (lazily: read the result to run it). A model
   * of several inputs takes a list or an object by input name; one of several outputs returns a
   * list.
   */
  predict(x: ModelData, args: PredictArgs = {}, ...extra: unknown[]): Predicted<O> {
    nb.checkArity('predict', [x, args, ...extra], 2);
    const batchSize = checkConfig('predict', args, PREDICT_OPTIONS).batchSize ?? 32;
    const xs = dataList('predict', 'x', x, this.inputNames);
    for (const t of xs) checkSamples('predict', t, xs[0]);
    if (xs.length === 1) this.checkInput('predict', xs[0]);
    else this.checkInputs('predict', xs);
    const several = this.outputNames.length > 1;
    return nb.tidy(() => {
      const n = xs[0].shape[0];
      const run = (batch: nb.Tensor[]) => (xs.length === 1 && !several ? [this.forward(batch[0], false)] : this.forwardAll(batch, false));
      let outs: nb.Tensor[];
      if (n <= batchSize) outs = run(xs);
      else {
        const parts: nb.Tensor[][] = [];
        for (let i = 0; i < n; i += batchSize) parts.push(run(xs.map((t) => nb.slice(t, [i], [Math.min(batchSize, n - i)]))));
        outs = parts[0].map((_, k) =>
          nb.concat(
            parts.map((p) => p[k]),
            0,
          ),
        );
      }
      return several ? outs : outs[0];
    }) as Predicted<O>;
  }

  /**
   * Saves architecture, weights, compile settings and, once trained, the optimizer's state
   * (unless `{ includeOptimizer: false }`) to a folder (Node), `indexeddb://name` or
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
