import type { Tensor } from '@nabla/core';
import * as nb from '@nabla/core';
import { nameKey, unknownName } from './options.js';

/**
 * Activations by name, as Keras layers take them (`activation: 'relu'`). Each is composed from
 * core ops, which are written to stay finite in value and gradient.
 */
export type ActivationFn = (x: Tensor) => Tensor;

/** Keras's hard sigmoid (Keras 2, TensorFlow.js): clip(0.2 x + 0.5, 0, 1). */
export function hardSigmoid(x: Tensor, ...extra: unknown[]): Tensor {
  nb.checkArity('hardSigmoid', [x, ...extra], 1);
  // tidy: only the result is the caller's; the backward pass can still read the intermediates.
  return nb.tidy(() => nb.clip(nb.add(nb.mul(x, 0.2), 0.5), 0, 1));
}

/** x / (1 + |x|). */
export function softsign(x: Tensor, ...extra: unknown[]): Tensor {
  nb.checkArity('softsign', [x, ...extra], 1);
  return nb.tidy(() => nb.div(x, nb.add(nb.abs(x), 1)));
}

/**
 * Outputs of the softmax activation and the logits they came from. As in Keras 3 (which caches
 * them on the tensor as `_keras_logits`), the cross-entropy losses then work from the logits:
 * log-softmax rather than the log of clipped probabilities, which is both stabler (no log(0)
 * and no gradient lost to the clip) and fewer ops.
 */
const softmaxLogits = new WeakMap<Tensor, Tensor>();

/** Softmax over the last axis, remembering the logits for the cross-entropy losses. */
export function softmax(x: Tensor, ...extra: unknown[]): Tensor {
  nb.checkArity('softmax', [x, ...extra], 1);
  const y = nb.softmax(x, -1);
  softmaxLogits.set(y, x);
  return y;
}

/** The logits of a softmax activation's output, if `y` is one. */
export function logitsOf(y: Tensor, ...extra: unknown[]): Tensor | undefined {
  nb.checkArity('logitsOf', [y, ...extra], 1);
  return softmaxLogits.get(y);
}

/** The identity: returns its argument itself, as Keras's linear does. */
export function linear(x: Tensor, ...extra: unknown[]): Tensor {
  nb.checkArity('linear', [x, ...extra], 1);
  return x;
}

// Wrapped so that each takes exactly one tensor: core's softmax, leakyRelu, gelu take extra
// arguments that a caller passing (x, index) by accident must not reach.
const ACTIVATIONS: Record<string, ActivationFn> = {
  linear,
  relu: (x) => nb.relu(x),
  relu6: (x) => nb.relu6(x),
  elu: (x) => nb.elu(x),
  selu: (x) => nb.selu(x),
  sigmoid: (x) => nb.sigmoid(x),
  hardSigmoid,
  tanh: (x) => nb.tanh(x),
  softmax,
  softplus: (x) => nb.softplus(x),
  softsign,
  swish: (x) => nb.swish(x),
  silu: (x) => nb.swish(x),
  // exact (erf) GELU, Keras 3's default
  gelu: (x) => nb.gelu(x, false),
  leakyRelu: (x) => nb.leakyRelu(x, 0.2),
  exponential: (x) => nb.exp(x),
  logSoftmax: (x) => nb.logSoftmax(x, -1),
};

/** Lower case without underscores: 'hard_sigmoid', 'hardSigmoid' and 'hardsigmoid' meet. */
const BY_KEY = new Map(Object.keys(ACTIVATIONS).map((name) => [nameKey(name), name]));

/** Names `getActivation` accepts, in camelCase (snake_case forms are accepted too). */
export const ACTIVATION_NAMES: readonly string[] = Object.keys(ACTIVATIONS);

/**
 * An activation and its name from a name ('relu', 'hardSigmoid' or 'hard_sigmoid'), from
 * undefined, null or 'none' (the identity, 'linear'), or from a function (named by its `.name`,
 * 'custom' when it has none).
 */
export function getActivation(
  identifier: string | ActivationFn | undefined | null,
  ...extra: unknown[]
): { name: string; fn: ActivationFn } {
  nb.checkArity('getActivation', [identifier, ...extra], 1);
  if (identifier === undefined || identifier === null) return { name: 'linear', fn: linear };
  if (typeof identifier === 'function') return { name: identifier.name || 'custom', fn: identifier };
  if (typeof identifier === 'string') {
    const key = nameKey(identifier);
    if (key === 'none') return { name: 'linear', fn: linear };
    const name = BY_KEY.get(key);
    if (name) return { name, fn: ACTIVATIONS[name] };
    throw unknownName('getActivation', 'activation', identifier, ACTIVATION_NAMES);
  }
  throw new nb.NablaError(`getActivation: expected a name or a function, got ${typeof identifier}`);
}
