import { type SpecCase, spec, t } from './spec.js';

/**
 * NaN and the infinities at every position of every reduction, and in maximum/minimum, with the
 * answers nabla defines (docs/architecture.md, "NaN, integer and empty-tensor semantics"):
 *
 * - sum, prod, mean and logSumExp follow IEEE arithmetic: a NaN makes them NaN, +Infinity plus
 *   -Infinity is NaN, 0 * Infinity is NaN.
 * - max and min are NaN when any reduced element is NaN, wherever it is (NumPy's np.max, PyTorch's
 *   torch.max, TensorFlow; onnxruntime's ReduceMax alone sees a NaN only when it comes first).
 * - argMax and argMin return the index of the first NaN (NumPy's np.argmax; TensorFlow.js skips NaNs).
 * - maximum and minimum are NaN where either operand is (np.maximum, torch.maximum).
 * - The gradients of max/min and maximum/minimum go to the NaN the result came from, split evenly
 *   between several (PyTorch's rule), as a tie is split.
 *
 * The expected values below are computed by these rules, written out in plain JavaScript.
 */

type Reduction = 'sum' | 'prod' | 'max' | 'min' | 'mean' | 'logSumExp' | 'argMax' | 'argMin';

const firstNaN = (xs: number[]) => xs.findIndex(Number.isNaN);

/** The index of the first extreme under `better`, or of the first NaN. */
function argBest(xs: number[], better: (a: number, b: number) => boolean): number {
  const nan = firstNaN(xs);
  if (nan >= 0) return nan;
  return xs.reduce((best, v, i) => (better(v, xs[best]) ? i : best), 0);
}

/** Each reduction over one list of values, as nabla defines it. */
const RULES: Record<Reduction, (xs: number[]) => number> = {
  sum: (xs) => xs.reduce((a, b) => a + b, 0),
  prod: (xs) => xs.reduce((a, b) => a * b, 1),
  max: (xs) => (firstNaN(xs) >= 0 ? Number.NaN : Math.max(...xs)),
  min: (xs) => (firstNaN(xs) >= 0 ? Number.NaN : Math.min(...xs)),
  mean: (xs) => xs.reduce((a, b) => a + b, 0) / xs.length,
  logSumExp: (xs) => {
    if (firstNaN(xs) >= 0) return Number.NaN;
    const m = Math.max(...xs);
    if (!Number.isFinite(m)) return m; // +Infinity anywhere, or every value -Infinity
    return Math.log(xs.reduce((a, v) => a + Math.exp(v - m), 0)) + m;
  },
  argMax: (xs) => argBest(xs, (a, b) => a > b),
  argMin: (xs) => argBest(xs, (a, b) => a < b),
};

const REDUCTIONS = Object.keys(RULES) as Reduction[];

const isArg = (fn: Reduction) => fn === 'argMax' || fn === 'argMin';
/** The result's dtype: int32 for the index reductions. */
const resultDtype = (fn: Reduction) => (isArg(fn) ? 'int32' : 'float32');

/** fn over all of xs (argMax and argMin along their one axis), expected by its rule. */
function wholeCase(fn: Reduction, id: string, xs: number[]): SpecCase {
  return spec('nan', id, fn, isArg(fn) ? { axis: 0 } : { axis: null }, [t(xs)], t([RULES[fn](xs)], [], resultDtype(fn)));
}

const SPECIALS: [string, number][] = [
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
];
const BASE = [1, 3, -2, 5, 4];
const POSITIONS: [string, number][] = [
  ['first', 0],
  ['middle', 2],
  ['last', 4],
];

function withSpecial(value: number, at: number): number[] {
  return BASE.map((v, i) => (i === at ? value : v));
}

/**
 * One reduction with one special value at one position, in two layouts: a vector reduced whole
 * (the path every reduction to one element takes), and the columns of a [5,2] matrix along axis 0
 * (strided), where only the first column holds the special value.
 */
function reductionCases(fn: Reduction, name: string, value: number, position: string, at: number): SpecCase[] {
  const xs = withSpecial(value, at);
  const other = BASE.map((v) => v * 2);
  const columns = xs.flatMap((v, i) => [v, other[i]]);
  return [
    wholeCase(fn, `${fn} [5] with ${name} ${position}`, xs),
    spec(
      'nan',
      `${fn} [5,2] axis 0 with ${name} ${position} in column 0`,
      fn,
      { axis: 0 },
      [t(columns, [5, 2])],
      t([RULES[fn](xs), RULES[fn](other)], [2], resultDtype(fn)),
    ),
  ];
}

function reductionSweep(): SpecCase[] {
  return REDUCTIONS.flatMap((fn) =>
    SPECIALS.flatMap(([name, value]) => POSITIONS.flatMap(([position, at]) => reductionCases(fn, name, value, position, at))),
  );
}

// Module-level, not one per function: Vite 8's bundler (rolldown) folds `Number.NaN` to the global
// `NaN`, which a function-local `const NaN` shadows, giving `const NaN = NaN` (a ReferenceError).
const NaN = Number.NaN;

/** Mixed specials: several NaNs, +Infinity with -Infinity, all -Infinity, 0 times Infinity. */
function mixedCases(): SpecCase[] {
  const Inf = Number.POSITIVE_INFINITY;
  const lists: [string, number[]][] = [
    ['two NaNs', [1, NaN, 3, NaN]],
    ['Infinity and -Infinity', [1, Inf, -Inf, 2]],
    ['Infinity before a NaN', [Inf, 1, NaN]],
    ['every value -Infinity', [-Inf, -Inf, -Inf]],
    ['0 and Infinity', [0, 2, Inf]],
  ];
  return lists.flatMap(([name, xs]) => REDUCTIONS.map((fn) => wholeCase(fn, `${fn} of ${name}`, xs)));
}

/** maximum and minimum with NaN and the infinities on either side, and a broadcast NaN. */
function elementwiseCases(): SpecCase[] {
  const Inf = Number.POSITIVE_INFINITY;
  const a = [NaN, 1, NaN, Inf, -Inf, 2, Inf, -Inf];
  const b = [1, NaN, NaN, 2, 3, -Inf, -Inf, Inf];
  const pick = (f: (x: number, y: number) => number) => a.map((x, i) => (Number.isNaN(x) || Number.isNaN(b[i]) ? NaN : f(x, b[i])));
  // The gradient goes to the operand the result came from: ties and a NaN in both to the first.
  const toFirst = (better: (x: number, y: number) => boolean) =>
    a.map((x, i) => Number.isNaN(x) || (!Number.isNaN(b[i]) && (better(x, b[i]) || x === b[i])));
  const cot = a.map((_, i) => i + 1);
  const grads = (first: boolean[]) => [t(cot.map((g, i) => (first[i] ? g : 0))), t(cot.map((g, i) => (first[i] ? 0 : g)))];
  const maxFirst = toFirst((x, y) => x > y);
  const minFirst = toFirst((x, y) => x < y);
  return [
    spec('nan', 'maximum with NaN and infinities on either side', 'maximum', {}, [t(a), t(b)], t(pick(Math.max)), {
      cotangent: t(cot),
      grads: grads(maxFirst),
    }),
    spec('nan', 'minimum with NaN and infinities on either side', 'minimum', {}, [t(a), t(b)], t(pick(Math.min)), {
      cotangent: t(cot),
      grads: grads(minFirst),
    }),
    spec('nan', 'maximum with a broadcast NaN', 'maximum', {}, [t([1, -Inf, Inf]), t([NaN], [])], t([NaN, NaN, NaN])),
    spec('nan', 'minimum with a broadcast NaN', 'minimum', {}, [t([NaN], []), t([1, -Inf, Inf])], t([NaN, NaN, NaN])),
  ];
}

/** max and min gradients: to the NaN, split between several, or between tied maxima. */
function reductionGradientCases(): SpecCase[] {
  const one = { cotangent: t([1], []) };
  return [
    spec('nan', 'max [1, NaN, 3]', 'max', { axis: null }, [t([1, NaN, 3])], t([NaN], []), { ...one, grads: [t([0, 1, 0])] }),
    spec('nan', 'max [NaN, 5, NaN, 2]', 'max', { axis: null }, [t([NaN, 5, NaN, 2])], t([NaN], []), {
      ...one,
      grads: [t([0.5, 0, 0.5, 0])],
    }),
    spec('nan', 'min [4, -1, NaN]', 'min', { axis: null }, [t([4, -1, NaN])], t([NaN], []), { ...one, grads: [t([0, 0, 1])] }),
    spec('nan', 'max [3, 1, 3] (a tie, no NaN)', 'max', { axis: null }, [t([3, 1, 3])], t([3], []), { ...one, grads: [t([0.5, 0, 0.5])] }),
    spec('nan', 'max [2,3] axis 1 with a NaN in row 1', 'max', { axis: 1 }, [t([1, 7, 2, 4, NaN, 6], [2, 3])], t([7, NaN], [2]), {
      cotangent: t([1, 2], [2]),
      grads: [t([0, 1, 0, 0, 2, 0], [2, 3])],
    }),
  ];
}

export function nanCases(): SpecCase[] {
  return [...reductionSweep(), ...mixedCases(), ...elementwiseCases(), ...reductionGradientCases()];
}
