import { isFloat } from '../dtype.js';
import { collectTensors } from '../engine/memory.js';
import { op } from '../engine/op.js';
import { engine } from '../engine/state.js';
import { fmtShape, NablaError } from '../errors.js';
import { ones, zerosLike } from '../ops/creation.js';
import { add } from '../ops/elementwise.js';
import * as p from '../ops/prims.js';
import { checkArity } from '../options.js';
import type { PrimitiveOp } from '../primitives.js';
import { shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { ruleFor } from './rules.js';

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

  const cotangents = new Map<Tensor, Tensor>();
  const accumulate = (t: Tensor, g: Tensor) => {
    const prev = cotangents.get(t);
    cotangents.set(t, prev ? add(prev, g) : g);
  };
  // The cotangents of slices are kept apart and laid side by side once (see assemble).
  const pieces = new Map<Tensor, Piece[]>();
  const total = (t: Tensor): Tensor | undefined => {
    const ps = pieces.get(t);
    if (!ps) return cotangents.get(t);
    pieces.delete(t);
    accumulate(t, assemble(t, ps));
    return cotangents.get(t);
  };
  outputs.forEach((o, i) => {
    if (carries.has(o)) accumulate(o, seeds[i] ?? ones(o.shape, o.dtype));
  });

  engine.internalDepth++;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = total(t);
      const inputs = t.inputs;
      if (!g || !inputs || t.op === 'leaf' || t.op === 'stopGradient' || !inputs.some((x) => carries.has(x))) continue;
      if (t.op === 'slice') {
        const { begin, size } = t.attrs as { begin: number[]; size: number[] };
        const list = pieces.get(inputs[0]) ?? [];
        list.push({ g, begin, size, node: t });
        pieces.set(inputs[0], list);
        continue;
      }
      const rule = ruleFor(t.op as PrimitiveOp);
      const grads = rule(g, inputs, t, t.attrs as never);
      inputs.forEach((x, j) => {
        const gx = grads[j];
        if (gx && carries.has(x)) accumulate(x, gx);
      });
    }
  } finally {
    engine.internalDepth--;
  }
  return wrt.map((t) => total(t) ?? zerosLike(t));
});

/** The cotangent g of a slice (node) of a tensor, and the region it was cut from. */
interface Piece {
  g: Tensor;
  begin: readonly number[];
  size: readonly number[];
  node: Tensor;
}

/**
 * The cotangent of a tensor from the cotangents of slices of it. A slice's own rule pads its
 * cotangent to the whole tensor; summing those is quadratic when a tensor is cut into many
 * pieces, as an unrolled recurrence cuts its input sequence into T steps (T pads of T steps
 * each: 8 GB for an LSTM at T = 500). Pieces cut along one axis without overlapping are laid
 * side by side instead, each padded only over the gaps around it: one concat, and the same
 * values (each element is one piece's cotangent or zero). Other cuts are padded and summed.
 */
function assemble(x: Tensor, ps: Piece[]): Tensor {
  const padTo = (g: Tensor, pads: [number, number][]) => p.pad(g, pads, 0, 'grad');
  const cut = new Set<number>();
  for (const { begin, size } of ps) {
    for (const [i, d] of x.shape.entries()) if (begin[i] !== 0 || size[i] !== d) cut.add(i);
  }
  const [axis] = cut;
  const sorted = [...ps].sort((a, b) => a.begin[axis] - b.begin[axis]);
  const sideBySide =
    ps.length > 1 &&
    cut.size === 1 &&
    sorted.every((q, k) => q.size[axis] > 0 && (k === 0 || q.begin[axis] >= sorted[k - 1].begin[axis] + sorted[k - 1].size[axis]));
  if (!sideBySide) {
    let sum: Tensor | undefined;
    for (const { g, node } of ps) {
      const [padded] = ruleFor('slice')(g, [x], node, node.attrs as never) as Tensor[];
      sum = sum ? add(sum, padded) : padded;
    }
    return sum as Tensor;
  }
  let end = 0;
  const parts = sorted.map((q, k) => {
    const before = q.begin[axis] - end;
    end = q.begin[axis] + q.size[axis];
    const after = k === sorted.length - 1 ? x.shape[axis] - end : 0;
    return before || after
      ? padTo(
          q.g,
          x.shape.map((_, i) => (i === axis ? [before, after] : [0, 0])),
        )
      : q.g;
  });
  return p.concat(parts, axis, 'grad');
}

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
