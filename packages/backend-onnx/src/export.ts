import { checkArity, checkOptions, is, NablaError, type Tensor } from '@nabla/core';
import { type Attr, OnnxGraphBuilder } from './onnx/builder.js';

/**
 * exportOnnx: a trained Sequential model as a standard .onnx file for inference anywhere
 * (onnxruntime, other runtimes). The graph is written from the layers themselves, not from a
 * traced graph, so the batch axis stays dynamic ('batch') and each layer is one or two familiar
 * ONNX ops. Only the layers' structure is read (className, getConfig, weights), so this module
 * needs nothing from @nabla/nn.
 */
export interface ExportableLayer {
  className: string;
  getConfig(): Record<string, unknown>;
  readonly weights: { name: string; value: Tensor }[];
}
export interface ExportableModel {
  readonly layers: ExportableLayer[];
  readonly inputShape?: (number | null)[];
}

export interface ExportOptions {
  inputName?: string;
  outputName?: string;
  /** Replace an .onnx file that nabla exported before at the path (default true); never another file. */
  overwrite?: boolean;
}

const EXPORT_OPTIONS = { inputName: is.string, outputName: is.string, overwrite: is.boolean };

/** Activation name -> ONNX ops on x. */
function activation(b: OnnxGraphBuilder, name: string, x: string): string {
  const f = (v: number) => b.scalar('float32', v);
  const unary: Record<string, [string, Record<string, Attr>?]> = {
    relu: ['Relu'],
    sigmoid: ['Sigmoid'],
    tanh: ['Tanh'],
    elu: ['Elu', { alpha: { float: 1 } }],
    selu: ['Selu'],
    softplus: ['Softplus'],
    softsign: ['Softsign'],
    exponential: ['Exp'],
    gelu: ['Gelu'],
    leakyRelu: ['LeakyRelu', { alpha: { float: 0.2 } }],
    hardSigmoid: ['HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } }],
    softmax: ['Softmax', { axis: { int: -1 } }],
    logSoftmax: ['LogSoftmax', { axis: { int: -1 } }],
  };
  if (name === 'linear') return x;
  if (name === 'relu6') return b.op('Clip', [x, f(0), f(6)]);
  if (name === 'swish' || name === 'silu') return b.op('Mul', [x, b.op('Sigmoid', [x])]);
  const op = unary[name];
  if (!op) throw new NablaError(`exportOnnx: activation '${name}' has no ONNX export yet`);
  return b.op(op[0], [x], op[1]);
}

async function initializer(b: OnnxGraphBuilder, t: Tensor): Promise<string> {
  if (t.dtype !== 'float32') throw new NablaError(`exportOnnx: weights must be float32, got ${t.dtype}`);
  return b.constant({ type: 'float32', shape: [...t.shape], data: await t.data() });
}

/** The model as ONNX bytes (opset 21, IR 10): input [batch, ...sample] named `input`, output named `output`. */
export async function toOnnx(model: ExportableModel, opts: ExportOptions = {}): Promise<Uint8Array> {
  const sample = model.inputShape;
  if (!sample || sample.some((d) => d === null) || model.layers.length === 0) {
    throw new NablaError('exportOnnx: the model must be built (with a known input shape) before export');
  }
  const b = new OnnxGraphBuilder({ name: 'nabla-sequential' });
  let x = b.input(opts.inputName ?? 'input', 'float32', ['batch', ...(sample as number[])]);
  let shape = sample as number[];
  for (const layer of model.layers) {
    const config = layer.getConfig();
    switch (layer.className) {
      case 'Dense': {
        const [kernel, bias] = layer.weights;
        x = b.op('MatMul', [x, await initializer(b, kernel.value)]);
        if (config.useBias !== false && bias) x = b.op('Add', [x, await initializer(b, bias.value)]);
        x = activation(b, String(config.activation ?? 'linear'), x);
        shape = [...shape.slice(0, -1), config.units as number];
        break;
      }
      case 'Activation':
        x = activation(b, String(config.activation), x);
        break;
      case 'Dropout':
        break; // identity at inference
      case 'Flatten':
        x = b.op('Flatten', [x], { axis: { int: 1 } });
        shape = [shape.reduce((a, c) => a * c, 1)];
        break;
      case 'Reshape': {
        const target = config.targetShape as number[];
        // A leading 0 copies the batch dimension (allowzero off): the batch stays dynamic.
        x = b.op('Reshape', [x, b.int64s([0, ...target])]);
        const known = target.reduce((a, c) => (c === -1 ? a : a * c), 1);
        shape = target.map((d) => (d === -1 ? shape.reduce((a, c) => a * c, 1) / known : d));
        break;
      }
      default:
        throw new NablaError(`exportOnnx: layer class '${layer.className}' has no ONNX export yet`);
    }
  }
  b.output(opts.outputName ?? 'output', x, 'float32', ['batch', ...shape]);
  return b.toBytes();
}

/**
 * Writes the model to `path` as .onnx, atomically (temporary file, then rename). An existing file
 * is replaced only if nabla exported it (its header names nabla as the producer) and `overwrite`
 * is not false: nabla never overwrites a file it did not write.
 */
export async function exportOnnx(model: ExportableModel, path: string, opts: ExportOptions = {}, ...extra: unknown[]): Promise<void> {
  checkArity('exportOnnx', [model, path, opts, ...extra], 3);
  checkOptions('exportOnnx', opts, EXPORT_OPTIONS);
  if (typeof path !== 'string' || path === '') throw new NablaError(`exportOnnx: path must be a file name, got ${String(path)}`);
  const bytes = await toOnnx(model, opts);
  const { lstat, open, writeFile, rename, rm } = await import('node:fs/promises');
  const existing = await lstat(path).catch(() => undefined);
  if (existing) {
    if (!existing.isFile())
      throw new NablaError(`exportOnnx: ${path} exists and is not a file; nabla writes only a new or its own .onnx file`);
    const file = await open(path, 'r');
    const head = new Uint8Array(32);
    try {
      await file.read(head, 0, head.length, 0);
    } finally {
      await file.close();
    }
    if (!exportedByNabla(head)) {
      throw new NablaError(
        `exportOnnx: ${path} exists and is not an ONNX file nabla exported; nabla does not overwrite other files (move it, or choose another path)`,
      );
    }
    if (opts.overwrite === false) throw new NablaError(`exportOnnx: ${path} exists and overwrite is false`);
  }
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Whether a file starts as nabla's ModelProto does: ir_version (field 1), then producer_name 'nabla' (field 2). */
function exportedByNabla(head: Uint8Array): boolean {
  let i = 0;
  if (head[i++] !== 0x08) return false;
  while (i < head.length && head[i] & 0x80) i++; // the ir_version varint
  i++;
  const name = 'nabla';
  if (head[i++] !== 0x12 || head[i++] !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (head[i + k] !== name.charCodeAt(k)) return false;
  return true;
}
