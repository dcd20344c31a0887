import { NablaError } from '@nabla/core';
import type { Attr, OnnxGraphBuilder } from '../onnx/builder.js';

/** Keras activations that are one ONNX op (opset 21), with the attributes that make them Keras's. */
const UNARY: Record<string, [string, Record<string, Attr>?]> = {
  relu: ['Relu'],
  sigmoid: ['Sigmoid'],
  tanh: ['Tanh'],
  elu: ['Elu', { alpha: { float: 1 } }],
  selu: ['Selu'],
  softplus: ['Softplus'],
  softsign: ['Softsign'],
  exponential: ['Exp'],
  // nabla's gelu is the exact (erf) one, ONNX's default
  gelu: ['Gelu'],
  leakyRelu: ['LeakyRelu', { alpha: { float: 0.2 } }],
  hardSigmoid: ['HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } }],
  softmax: ['Softmax', { axis: { int: -1 } }],
  logSoftmax: ['LogSoftmax', { axis: { int: -1 } }],
};

/** Whether the activation acts on each element alone (so it may run in any layout); softmax reads the last axis. */
export function elementwise(name: string): boolean {
  return name !== 'softmax' && name !== 'logSoftmax';
}

/** An activation by name (as a layer's config names it) on x; 'linear' is x itself. */
export function activation(b: OnnxGraphBuilder, name: string, x: string): string {
  if (name === 'linear') return x;
  if (name === 'relu6') return b.op('Clip', [x, b.scalar('float32', 0), b.scalar('float32', 6)]);
  if (name === 'swish' || name === 'silu') return b.op('Mul', [x, b.op('Sigmoid', [x])]);
  const op = UNARY[name];
  if (!op) throw new NablaError(`exportOnnx: activation '${name}' has no ONNX export yet`);
  return b.op(op[0], [x], op[1]);
}
