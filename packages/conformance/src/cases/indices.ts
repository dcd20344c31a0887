import * as nb from '@nabla/core';
import { sparseCategoricalCrossentropy } from '@nabla/nn';
import type { Case, Outcome } from '../case.js';
import { compare, TOLERANCES } from '../tolerance.js';

/**
 * The index rule on every backend: an index outside [0, n) of gather, scatterAdd (a gather's
 * gradient), takeAlongLastAxis and the sparse cross-entropy's labels is an error when the graph
 * runs, negative ones included, with the same message everywhere; edge indices (0 and n-1) and
 * empty index lists work; oneHot of an index outside [0, depth) is a row of zeros (TensorFlow's
 * rule). The expected messages and values are written here: the rule is nabla's.
 */

const int32 = (values: number[], shape = [values.length]) => nb.tensor(values, shape, 'int32');

/** The error `f` throws (or rejects with), or undefined. */
async function errorOf(f: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await f();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function outcome(error: string | undefined, message: string): Outcome {
  if (error === undefined) return { status: 'fail', detail: 'computed without an error' };
  return error === message ? { status: 'pass' } : { status: 'fail', detail: `threw '${error}'` };
}

/** Passes when computing `make()`'s result throws exactly `message`. */
function throws(id: string, message: string, make: () => nb.Tensor): Case {
  return {
    id: `indices: ${id}`,
    group: 'indices',
    tolerance: TOLERANCES.exact,
    run: async (): Promise<Outcome> => {
      let t: nb.Tensor | undefined;
      const error = await errorOf(async () => {
        t = nb.tidy(make); // operands are freed once the result no longer needs them
        await t.data();
      });
      t?.dispose();
      return outcome(error, message);
    },
  };
}

/** Passes when `make()` computes `expected` (exactly, or within `tol`) with the given shape. */
function computes(id: string, shape: number[], expected: number[], make: () => nb.Tensor, tol = TOLERANCES.exact): Case {
  return {
    id: `indices: ${id}`,
    group: 'indices',
    tolerance: tol,
    run: async (): Promise<Outcome> => {
      const t = nb.tidy(make);
      try {
        if (!nb.shapesEqual(t.shape, shape)) return { status: 'fail', detail: `shape [${t.shape}], expected [${shape}]` };
        const c = compare(await t.data(), expected, tol);
        return { status: c.pass ? 'pass' : 'fail', maxError: c.maxError, detail: c.detail };
      } finally {
        t.dispose();
      }
    },
  };
}

/** Indices a compiled function captured: constants of the executable, checked all the same. */
function capturedIndices(): Case {
  const message = 'gather: index 4 at position [1] is out of range for axis 0 of size 4';
  return {
    id: 'indices: gather indices captured by jit',
    group: 'indices',
    tolerance: TOLERANCES.exact,
    run: async (): Promise<Outcome> => {
      const indices = nb.tensor([0, 4], [2], 'int32');
      const x = nb.arange(4);
      const f = nb.jit(({ x }: { x: nb.Tensor }) => nb.gather(x, indices));
      let y: nb.Tensor | undefined;
      const error = await errorOf(async () => {
        y = await f({ x });
        await y.data();
      });
      y?.dispose();
      f.dispose();
      nb.dispose([indices, x]);
      return outcome(error, message);
    },
  };
}

/** d sum(gather(x, indices) * w) / dx: a scatterAdd of w at the indices. */
const gatherGradient = (n: number, indices: nb.Tensor) => {
  const w = nb.arange(1, nb.sizeOf(indices.shape) + 1).reshape(indices.shape);
  return nb.grad((x: nb.Tensor) => nb.sum(nb.mul(nb.gather(x, indices), w)))(nb.zeros([n]));
};

const probs = () =>
  nb.tensor([
    [0.2, 0.7, 0.1],
    [0.5, 0.25, 0.25],
    [0.1, 0.1, 0.8],
    [0.3, 0.3, 0.4],
  ]);

export function indexCases(): Case[] {
  const four = () => nb.arange(4); // [0, 1, 2, 3]
  const gatherRange = 'out of range for axis 0 of size 4';
  return [
    // gather
    throws('gather index -1 (not from the end)', `gather: index -1 at position [0] is ${gatherRange}`, () => nb.gather(four(), [-1])),
    throws('gather index n', `gather: index 4 at position [1] is ${gatherRange}`, () => nb.gather(four(), [3, 4])),
    throws('gather index below -n', `gather: index -5 at position [2] is ${gatherRange}`, () => nb.gather(four(), [0, 1, -5])),
    throws('gather index 2^31-1', `gather: index 2147483647 at position [0] is ${gatherRange}`, () => nb.gather(four(), [2 ** 31 - 1])),
    throws('gather along axis 1, 2-D indices', 'gather: index -1 at position [1,0] is out of range for axis 1 of size 3', () =>
      nb.gather(nb.ones([2, 3]), int32([0, 2, -1, 1], [2, 2]), 1),
    ),
    throws('gather from an empty axis', 'gather: index 0 at position [0] is out of range for axis 0 of size 0', () =>
      nb.gather(nb.zeros([0, 2]), [0]),
    ),
    throws('gather indices computed in the graph', `gather: index -1 at position [0] is ${gatherRange}`, () =>
      nb.gather(four(), nb.sub(int32([1, 2]), 2)),
    ),
    capturedIndices(),
    computes('gather edge indices 0 and n-1', [4], [3, 0, 0, 3], () => nb.gather(four(), [3, 0, 0, 3])),
    computes('gather an empty index list', [0, 3], [], () => nb.gather(nb.ones([2, 3]), int32([]))),
    computes('gather an empty index list from an empty axis', [0, 2], [], () => nb.gather(nb.zeros([0, 2]), int32([]))),
    // scatterAdd, as a gather's gradient
    throws('scatterAdd index -1', `gather: index -1 at position [1] is ${gatherRange}`, () => gatherGradient(4, int32([0, -1]))),
    throws('scatterAdd index n', `gather: index 4 at position [0] is ${gatherRange}`, () => gatherGradient(4, int32([4]))),
    computes('scatterAdd edge indices, repeated', [4], [2 + 4, 0, 0, 1 + 3], () => gatherGradient(4, int32([3, 0, 3, 0]))),
    computes('scatterAdd an empty index list', [4], [0, 0, 0, 0], () => gatherGradient(4, int32([]))),
    // takeAlongLastAxis and the sparse cross-entropy: a label stays inside its own row
    throws(
      'takeAlongLastAxis index of the next row',
      'takeAlongLastAxis: index 3 at position [0] is out of range for axis -1 of size 3',
      () => nb.takeAlongLastAxis(nb.ones([2, 3]), [3, 0]),
    ),
    computes('takeAlongLastAxis edge indices', [4], [0.2, 0.25, 0.8, 0.3].map(Math.fround), () =>
      nb.takeAlongLastAxis(probs(), [0, 2, 2, 0]),
    ),
    throws(
      'sparseCategoricalCrossentropy label 5 of 3 classes',
      'sparseCategoricalCrossentropy: label 5 at position [3] is out of range for 3 classes',
      () => sparseCategoricalCrossentropy(int32([0, 1, 2, 5]), probs()),
    ),
    throws(
      'sparseCategoricalCrossentropy label -1, labels [batch, 1]',
      'sparseCategoricalCrossentropy: label -1 at position [1,0] is out of range for 3 classes',
      () => sparseCategoricalCrossentropy(int32([0, -1, 2, 1], [4, 1]), probs()),
    ),
    throws(
      'sparseCategoricalCrossentropy gradient, label 3 of 3 classes',
      'sparseCategoricalCrossentropy: label 3 at position [0] is out of range for 3 classes',
      () => nb.grad((p: nb.Tensor) => sparseCategoricalCrossentropy(int32([3, 0, 0, 0]), p))(probs()),
    ),
    computes(
      'sparseCategoricalCrossentropy edge labels 0 and 2',
      [],
      [-(Math.log(0.2) + Math.log(0.25) + Math.log(0.8) + Math.log(0.3)) / 4],
      () => sparseCategoricalCrossentropy(int32([0, 2, 2, 0]), probs()),
      TOLERANCES.float32,
    ),
    // oneHot: TensorFlow's rule, a row of zeros
    computes('oneHot of -1 and depth', [3, 3], [0, 0, 0, 0, 1, 0, 0, 0, 0], () => nb.oneHot([-1, 1, 3], 3)),
  ];
}
