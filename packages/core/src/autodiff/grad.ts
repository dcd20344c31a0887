import { isFloat } from '../dtype.js';
import { collectTensors } from '../engine/memory.js';
import { op } from '../engine/op.js';
import { engine } from '../engine/state.js';
import { fmtShape, NablaError } from '../errors.js';
import { ones, zerosLike } from '../ops/creation.js';
import { checkArity } from '../options.js';
import type { PrimitiveAttrs, PrimitiveOp } from '../primitives.js';
import { shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Cotangents } from './cotangents.js';
import { matmulFactors, ruleFor } from './rules.js';

/**
 * Reverse mode over the lazy graph. f runs with tracing on, so every node it creates keeps its
 * operands even if something in f reads a value; the backward pass then walks those nodes from
 * the output back to the requested tensors and records the cotangents as new lazy nodes. Nothing
 * runs until a gradient is read, and a training step's forward and backward become one graph.
 */

/** Tensors, or arrays and plain objects of them, nested: what gradients are taken with respect to. */
export type TensorTree = Tensor | TensorTree[] | { [key: string]: TensorTree };

/** The same structure with every tensor replaced. */
function mapTree<T extends TensorTree>(tree: T, fn: (t: Tensor) => Tensor): T {
  if (tree instanceof Tensor) return fn(tree) as T;
  if (Array.isArray(tree)) return tree.map((t) => mapTree(t, fn)) as T;
  const out: Record<string, TensorTree> = {};
  for (const [k, v] of Object.entries(tree)) out[k] = mapTree(v, fn);
  return out as T;
}

/**
 * Cotangents of `outputs` (seeded with `seeds`; ones where a seed is missing) with respect to
 * each tensor of `wrt`. A tensor the outputs do not depend on gets zeros.
 */
export const backward = op('backward', function backward(outputs: Tensor[], seeds: (Tensor | undefined)[], wrt: Tensor[]): Tensor[] {
  // Topological order of everything the outputs depend on (iterative: graphs can be deep).
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [];
  for (const o of outputs) {
    if (seen.has(o)) continue;
    seen.add(o);
    stack.push([o, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inputs = top[0].inputs ?? [];
      if (top[1] < inputs.length) {
        const next = inputs[top[1]++];
        if (!seen.has(next)) {
          seen.add(next);
          stack.push([next, 0]);
        }
      } else {
        stack.pop();
        order.push(top[0]);
      }
    }
  }

  // Only nodes downstream of some wrt tensor, through float values and not through
  // stopGradient, carry a gradient.
  const targets = new Set(wrt);
  const carries = new Set<Tensor>();
  for (const t of order) {
    if (targets.has(t)) carries.add(t);
    else if (t.op !== 'stopGradient' && isFloat(t.dtype) && (t.inputs ?? []).some((x) => carries.has(x))) carries.add(t);
  }

  const cotangents = new Cotangents();
  outputs.forEach((o, i) => {
    if (carries.has(o)) cotangents.add(o, seeds[i] ?? ones(o.shape, o.dtype));
  });

  engine.internalDepth++;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = cotangents.total(t);
      const inputs = t.inputs;
      if (!g || !inputs || t.op === 'leaf' || t.op === 'stopGradient' || !inputs.some((x) => carries.has(x))) continue;
      if (t.op === 'slice') {
        cotangents.addSlice(inputs[0], g, t);
      } else if (t.op === 'matmul') {
        const factors = matmulFactors(g, inputs, t.attrs as PrimitiveAttrs['matmul']);
        inputs.forEach((x, j) => {
          if (carries.has(x)) cotangents.addProduct(x, factors[j]);
        });
      } else {
        const grads = ruleFor(t.op as PrimitiveOp)(g, inputs, t, t.attrs as never);
        inputs.forEach((x, j) => {
          const gx = grads[j];
          if (gx && carries.has(x)) cotangents.add(x, gx);
        });
      }
    }
  } finally {
    engine.internalDepth--;
  }
  return wrt.map((t) => cotangents.total(t) ?? zerosLike(t));
});

function traced<T>(fn: () => T): T {
  engine.traceDepth++;
  try {
    return fn();
  } finally {
    engine.traceDepth--;
  }
}

function checkWrt(op: string, tensors: Tensor[]): void {
  if (tensors.length === 0) throw new NablaError(`${op}: no tensors to differentiate with respect to`);
  for (const t of tensors) {
    if (!isFloat(t.dtype))
      throw new NablaError(`${op}: can only differentiate with respect to float tensors, got ${t.dtype} ${fmtShape(t.shape)}`);
  }
}

function scalarOutput(op: string, y: unknown): Tensor {
  if (!(y instanceof Tensor)) throw new NablaError(`${op}: f must return a tensor, got ${typeof y}`);
  if (y.size !== 1) throw new NablaError(`${op}: f must return a scalar, got shape ${fmtShape(y.shape)}; use vjp for other outputs`);
  if (!isFloat(y.dtype)) throw new NablaError(`${op}: f must return a float tensor, got ${y.dtype}`);
  return y;
}

/**
 * `valueAndGrad(f)(x, ...rest)` returns f's scalar value and its gradient with respect to x,
 * where x is a tensor, an array or a named map of tensors (nested as you like); the gradient
 * has the same structure. The remaining arguments are passed through untouched.
 */
export function valueAndGrad<T extends TensorTree, A extends unknown[]>(f: (x: T, ...rest: A) => Tensor, ...extra: never[]) {
  checkArity('valueAndGrad', [f, ...extra], 1);
  return (x: T, ...rest: A): { value: Tensor; grads: T } =>
    traced(() => {
      const wrt = collectTensors(x);
      checkWrt('valueAndGrad', wrt);
      const value = scalarOutput('valueAndGrad', f(x, ...rest));
      const grads = backward([value], [undefined], wrt);
      const byTensor = new Map(wrt.map((t, i) => [t, grads[i]]));
      return { value, grads: mapTree(x, (t) => byTensor.get(t) as Tensor) };
    });
}

/** `grad(f)(x, ...rest)`: the gradient of a scalar function, shaped like x. */
export function grad<T extends TensorTree, A extends unknown[]>(f: (x: T, ...rest: A) => Tensor, ...extra: never[]) {
  checkArity('grad', [f, ...extra], 1);
  const vg = valueAndGrad(f);
  return (x: T, ...rest: A): T => vg(x, ...rest).grads;
}

/**
 * The vector-Jacobian product: f's value at x and cotangent^T J, shaped like x. The cotangent
 * has f's output shape (ones if omitted, which makes it the gradient of sum(f)).
 */
export function vjp<T extends TensorTree>(f: (x: T) => Tensor, x: T, cotangent?: Tensor, ...extra: never[]): { value: Tensor; grads: T } {
  checkArity('vjp', [f, x, cotangent, ...extra], 3);
  return traced(() => {
    const wrt = collectTensors(x);
    checkWrt('vjp', wrt);
    const value = f(x);
    if (!(value instanceof Tensor)) throw new NablaError(`vjp: f must return a tensor, got ${typeof value}`);
    if (cotangent && !shapesEqual(cotangent.shape, value.shape)) {
      throw new NablaError(`vjp: cotangent shape ${fmtShape(cotangent.shape)} differs from f's output shape ${fmtShape(value.shape)}`);
    }
    const grads = backward([value], [cotangent], wrt);
    const byTensor = new Map(wrt.map((t, i) => [t, grads[i]]));
    return { value, grads: mapTree(x, (t) => byTensor.get(t) as Tensor) };
  });
}
