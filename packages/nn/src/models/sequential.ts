import * as nb from '@nabla/core';
import { Layer, type LayerShape, type Mask, type Masks } from '../layers/layer.js';
import { checkConfig } from '../options.js';
import { Model, type ModelArgs, SUBCLASS } from './model.js';
import { singleShape } from './single-shape.js';
import { formatSummary } from './summary.js';
import type { SymbolicTensor } from './symbolic.js';

/**
 * A linear stack of layers, as in Keras. Weights are created when the input shape is known:
 * from the first layer's inputShape/inputDim, or from the first data seen.
 */
export class Sequential extends Model<SymbolicTensor> {
  private readonly stack: Layer[] = [];

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
    super({
      [SUBCLASS]: true,
      name: checkConfig('Sequential', options, { name: nb.is.string }).name ?? 'sequential',
    } as unknown as ModelArgs<SymbolicTensor>);
    if (!Array.isArray(list)) throw new nb.NablaError(`Sequential: layers must be a list of layers, got ${nb.describe(list)}`);
    for (const l of list) this.add(l);
  }

  override get className(): string {
    return 'Sequential';
  }

  /** One input: data given by name uses 'input'. */
  override get inputNames(): string[] {
    return ['input'];
  }

  /** One output, named by the last layer. */
  override get outputNames(): string[] {
    return [this.stack[this.stack.length - 1]?.name ?? 'output'];
  }

  /** The layers, in order. */
  override get layers(): Layer[] {
    return this.stack;
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
    this.stack.push(layer);
    // Once the input shape is known, every layer added is built right away.
    const shape = this.inputShape;
    if (shape) this.build(shape);
  }

  /** The shape of one input sample, once known. */
  override get inputShape(): LayerShape | undefined {
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

  override get outputShape(): LayerShape {
    let shape = this.requireBuilt('outputShape');
    for (const layer of this.layers) shape = singleShape(layer, layer.computeOutputShape(shape));
    return shape;
  }

  /** Prints (or returns, with a print function) the Keras-style table of layers, shapes and parameter counts. */
  override summary(print: (line: string) => void = console.log, ...extra: unknown[]): void {
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
  override checkInput(method: string, x: nb.Tensor): void {
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
  override forward(x: nb.Tensor, training: boolean, seed?: nb.Tensor, losses?: nb.Tensor[]): nb.Tensor {
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

  override forwardAll(xs: nb.Tensor[], training: boolean, seed?: nb.Tensor, losses?: nb.Tensor[]): nb.Tensor[] {
    return [this.forward(xs[0], training, seed, losses)];
  }
}
