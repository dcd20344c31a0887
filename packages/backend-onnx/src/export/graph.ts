import { NablaError, type Tensor } from '@nabla/core';
import { OnnxGraphBuilder, type OnnxType } from '../onnx/builder.js';
import { activation } from './activation.js';
import { exporterFor, inputTypeOf } from './registry.js';
import type { ExportableGraph, ExportableLayer, ExportableModel, OnnxExportContext, OnnxExportResult, SampleShape } from './types.js';

/** A value of the graph being written: its ONNX name, sample shape, element type and mask. */
interface Value {
  name: string;
  shape: number[];
  type: OnnxType;
  mask: string | null;
}

export interface GraphNames {
  inputName?: string;
  outputName?: string;
}

/** The ONNX IR's rule for names (the builder's too): checked here to name the option at fault. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** nabla dtypes a model input may have, as ONNX element types. */
const INPUT_TYPES: Record<string, OnnxType> = { float32: 'float32', int32: 'int32', bool: 'bool' };

function checkName(what: string, name: string, fix: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new NablaError(
      `exportOnnx: ${what} ${JSON.stringify(name)} is not a valid ONNX name (letters, digits and _, not first a digit); ${fix}`,
    );
  }
  return name;
}

function known(layer: string, shape: SampleShape): number[] {
  if (shape.some((d) => d === null || d === undefined)) {
    throw new NablaError(
      `exportOnnx: ${layer}: output shape [null,${shape.map((d) => d ?? 'null').join(',')}] has unknown dimensions besides the batch`,
    );
  }
  return shape as number[];
}

/**
 * Writes a model's graph: a Sequential's layers one after another, or a functional model's layer
 * calls in its graph's order. Each call goes to the exporter registered for its layer's class.
 */
export class GraphWriter {
  readonly b: OnnxGraphBuilder;
  /** Channels-last value -> its channels-first transpose, and back: each value is transposed once, and a transpose back to a value already at hand is that value. */
  private readonly toFirst = new Map<string, string>();
  private readonly toLast = new Map<string, string>();
  private readonly initializers = new Map<Tensor, string>();
  /** The nodes each layer call wrote, [start, end) in the builder's order, for errors about a node found later (opset fitting). */
  private readonly calls: { start: number; end: number; layer: string }[] = [];

  constructor(name: string) {
    this.b = new OnnxGraphBuilder({ name });
  }

  async sequential(model: ExportableModel, names: GraphNames): Promise<void> {
    const sample = model.inputShape;
    if (!sample || sample.some((d) => d === null) || model.layers.length === 0) {
      throw new NablaError('exportOnnx: the model must be built (with a known input shape) before export');
    }
    const type = inputTypeOf(model.layers[0].className) ?? 'float32';
    const inputName = checkName('inputName', names.inputName ?? 'input', 'choose another inputName');
    let x: Value = { name: this.b.input(inputName, type, ['batch', ...(sample as number[])]), shape: sample as number[], type, mask: null };
    for (const layer of model.layers) {
      const outs = await this.call(layer, [x], false);
      if (outs.length !== 1) {
        throw new NablaError(`exportOnnx: ${layer.name ?? layer.className} gives ${outs.length} outputs; a Sequential's layers give one`);
      }
      x = outs[0];
    }
    const outputName = checkName('outputName', names.outputName ?? 'output', 'choose another outputName');
    this.b.output(outputName, x.name, x.type, ['batch', ...x.shape]);
  }

  async functional(model: ExportableModel, g: ExportableGraph, names: GraphNames): Promise<void> {
    const values = new Map<string, Value>();
    const single = (option: 'inputName' | 'outputName', given: string | undefined, count: number, own: string[]) => {
      if (given === undefined) return own;
      if (count !== 1) {
        throw new NablaError(
          `exportOnnx: ${option} names the one ${option === 'inputName' ? 'input' : 'output'} of a model; this one has ${count} (${own.join(', ')})`,
        );
      }
      return [given];
    };
    const inputNames = single(
      'inputName',
      names.inputName,
      g.inputs.length,
      g.inputs.map((i) => i.name),
    );
    g.inputs.forEach((input, k) => {
      const type = INPUT_TYPES[input.dtype];
      if (type === undefined)
        throw new NablaError(`exportOnnx: input '${input.name}' has dtype ${input.dtype}; ONNX export takes float32, int32 or bool inputs`);
      const name = checkName('input name', inputNames[k], "give nn.input another name ({ name: 'pixels' }) or pass inputName");
      const shape = known(input.name, input.shape);
      values.set(`input:${k}`, { name: this.b.input(name, type, ['batch', ...shape]), shape, type, mask: null });
    });
    const read = (ref: string): Value => {
      const v = values.get(ref);
      if (v === undefined)
        throw new NablaError(`exportOnnx: the model's graph refers to ${JSON.stringify(ref)}, which no earlier call makes`);
      return v;
    };
    for (const [i, c] of g.calls.entries()) {
      const layer = model.layers[c.layer];
      if (layer === undefined || layer.className !== g.layers[c.layer]?.className) {
        throw new NablaError(`exportOnnx: call ${i} of the model's graph names layer ${c.layer}, which model.layers does not hold`);
      }
      const outs = await this.call(layer, c.inputs.map(read), c.list);
      outs.forEach((v, k) => {
        values.set(`call:${i}:${k}`, v);
      });
    }
    const own = model.outputNames ?? g.outputs.map((_, k) => `output_${k}`);
    const outputNames = single('outputName', names.outputName, g.outputs.length, own);
    const twice = outputNames.find((n, k) => outputNames.indexOf(n) !== k);
    if (twice !== undefined) throw new NablaError(`exportOnnx: two outputs are named '${twice}'; ONNX outputs need names of their own`);
    g.outputs.forEach((ref, k) => {
      const v = read(ref);
      const name = checkName(
        'output name',
        outputNames[k],
        'name the layer that makes it another way ({ name: "scores" }) or pass outputName',
      );
      this.b.output(name, v.name, v.type, ['batch', ...v.shape]);
    });
  }

  /** One call of a layer on values: its exporter's nodes, and its outputs as values. */
  private async call(layer: ExportableLayer, inputs: Value[], list: boolean): Promise<Value[]> {
    const layerName = layer.name ?? layer.className;
    const entry = exporterFor(layer.className, layerName);
    if (typeof layer.computeOutputShape !== 'function') {
      throw new NablaError(`exportOnnx: ${layerName} has no computeOutputShape, which export needs for its output shapes`);
    }
    const shapes = inputs.map((v) => v.shape);
    const raw = layer.computeOutputShape(list ? shapes : shapes[0]);
    const several = raw.length > 0 && Array.isArray(raw[0]);
    const outputShapes = (several ? (raw as SampleShape[]) : [raw as SampleShape]).map((s) => known(layerName, s));
    const ctx = this.context(layer, layerName, inputs, list, outputShapes);
    const start = this.b.nodeCount;
    const result = normalize(await entry.fn(ctx));
    this.calls.push({
      start,
      end: this.b.nodeCount,
      layer: layerName === layer.className ? layerName : `${layerName} (${layer.className})`,
    });
    if (result.outputs.length !== outputShapes.length) {
      throw new NablaError(
        `exportOnnx: the exporter of ${layerName} (${layer.className}) gave ${result.outputs.length} values for ${outputShapes.length} outputs`,
      );
    }
    const passed = layer.supportsMasking === true && inputs.length === 1 ? inputs[0].mask : null;
    return result.outputs.map((name, k) => ({
      name,
      shape: outputShapes[k],
      type: result.types?.[k] ?? 'float32',
      mask: result.masks ? (result.masks[k] ?? null) : passed,
    }));
  }

  /** The layer that wrote a node, by the node's name (`n<index>_<op>`, see OnnxGraphBuilder), as errors name it. */
  layerOf(nodeName: string | undefined): string {
    const index = Number(/^n(\d+)_/.exec(nodeName ?? '')?.[1] ?? Number.NaN);
    const call = this.calls.find((c) => index >= c.start && index < c.end);
    return call?.layer ?? "the graph's outputs";
  }

  private context(
    layer: ExportableLayer,
    layerName: string,
    inputs: Value[],
    listInput: boolean,
    outputShapes: number[][],
  ): OnnxExportContext {
    const b = this.b;
    const prefix = layer.name === undefined ? undefined : `${layer.name}/`;
    const find = (name: string) =>
      prefix === undefined
        ? layer.weights.find((w) => w.name === name || w.name.endsWith(`/${name}`))
        : layer.weights.find((w) => w.name === prefix + name);
    const error = (message: string) => new NablaError(`exportOnnx: ${layerName} (${layer.className}): ${message}`);
    const tensor = (name: string): Tensor => {
      const w = find(name);
      if (w === undefined) throw error(`has no weight '${name}' (its weights: ${layer.weights.map((v) => v.name).join(', ') || 'none'})`);
      if (w.value.dtype !== 'float32') throw error(`weights must be float32, got ${w.value.dtype} for '${name}'`);
      return w.value;
    };
    const weightData = async (name: string) => {
      const t = tensor(name);
      return { shape: [...t.shape], data: Float32Array.from((await t.data()) as Float32Array) };
    };
    return {
      builder: b,
      layer,
      config: layer.getConfig(),
      inputs: inputs.map((v) => v.name),
      listInput,
      inputTypes: inputs.map((v) => v.type),
      inputShapes: inputs.map((v) => v.shape),
      outputShapes,
      masks: inputs.map((v) => v.mask),
      layerName,
      hasWeight: (name) => find(name) !== undefined,
      weightData,
      weight: async (name) => {
        const t = tensor(name);
        let c = this.initializers.get(t);
        if (c === undefined) {
          c = b.constant({ type: 'float32', shape: [...t.shape], data: (await t.data()) as Float32Array });
          this.initializers.set(t, c);
        }
        return c;
      },
      activation: (name, x) => activation(b, name, x),
      channelsFirst: (x, r) => this.transposed(x, r, true),
      channelsLast: (x, r) => this.transposed(x, r, false),
      error,
    };
  }

  private transposed(x: string, r: number, first: boolean): string {
    const [memo, back] = first ? [this.toFirst, this.toLast] : [this.toLast, this.toFirst];
    let t = memo.get(x);
    if (t === undefined) {
      const spatial = Array.from({ length: r }, (_, i) => i + 1);
      const perm = first ? [0, r + 1, ...spatial] : [0, ...spatial.map((i) => i + 1), 1];
      t = this.b.op('Transpose', [x], { perm: { ints: perm } });
      memo.set(x, t);
      back.set(t, x);
    }
    return t;
  }
}

function normalize(r: OnnxExportResult): { outputs: string[]; masks?: (string | null)[]; types?: OnnxType[] } {
  if (typeof r === 'string') return { outputs: [r] };
  if (Array.isArray(r)) return { outputs: r };
  return r;
}
