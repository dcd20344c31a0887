import { encodeFloat32, encodeTensor } from './encode.mjs';
import { Rng } from './random.mjs';

/**
 * Turns one entry of the case table (ops.mjs) into a case record: draws the inputs, runs the
 * TF.js equivalent, draws a cotangent, asks TF.js for the vector-Jacobian product and checks
 * it against central finite differences.
 */

// Gradient check settings, from the fixture spec.
const FD_STEP = 1e-2; // h = FD_STEP * max(1, |x|)
const FD_ATOL = 2e-2;
const FD_RTOL = 2e-2;

export const sizeOf = (shape) => shape.reduce((n, d) => n * d, 1);

const fmtShape = (shape) => `[${shape.join(',')}]`;

function fmtParam(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * "op shape shape ... key=value ...": transposed inputs are shown by their stored shape with
 * ^T, and `tag` (e.g. a dtype) tells apart cases that would otherwise share an id.
 */
export function caseId(spec) {
  const shapes = spec.inputs.map((inp) => fmtShape(inp.shape) + (inp.transpose ? '^T' : ''));
  const params = Object.entries(spec.params)
    .filter(([k]) => k !== 'transposeInput')
    .map(([k, v]) => `${k}=${fmtParam(v)}`);
  return [spec.op, ...shapes, ...params, ...(spec.tag ? [spec.tag] : [])].join(' ');
}

/**
 * TF.js is handed copies of everything. tf.split, for one, rewrites a -1 in the sizes array it
 * is given, which would change the recorded params (hence structuredClone(spec.params) at each
 * call). And a tensor made from a typed array keeps that array, while ops that only move data
 * (reshape, squeeze, a float32-to-float32 cast) hand back the same buffer from dataSync():
 * inputs are copied in and outputs copied out before the finite differences mutate anything.
 */
function makeInputs(tf, spec, values) {
  return spec.inputs.map((inp, i) => {
    const t = tf.tensor(values[i].slice(), inp.shape, inp.dtype);
    return inp.transpose ? tf.transpose(t) : t;
  });
}

/** Runs the op on plain arrays and returns its output's values (for finite differences). */
function forwardValues(tf, spec, values) {
  return tf.tidy(() =>
    spec
      .run(tf, makeInputs(tf, spec, values), structuredClone(spec.params))
      .dataSync()
      .slice(),
  );
}

/**
 * d sum(f(x) * c) / dx by central differences, one element at a time. f is evaluated by TF.js
 * in float32; the products with the cotangent are summed in float64 from the difference of
 * the two outputs, so the total's rounding (which grows with the output's size) does not
 * swamp the estimate.
 */
function finiteDifferences(tf, spec, values, cot, inputIndex) {
  const base = values[inputIndex];
  const x = Float32Array.from(base);
  const est = new Float64Array(x.length);
  const vals = [...values];
  vals[inputIndex] = x;
  for (let j = 0; j < x.length; j++) {
    const x0 = base[j];
    const h = FD_STEP * Math.max(1, Math.abs(x0));
    x[j] = Math.fround(x0 + h);
    const xp = x[j];
    const yp = forwardValues(tf, spec, vals);
    x[j] = Math.fround(x0 - h);
    const xm = x[j];
    const ym = forwardValues(tf, spec, vals);
    x[j] = x0;
    let s = 0;
    for (let k = 0; k < yp.length; k++) s += (yp[k] - ym[k]) * cot[k];
    est[j] = s / (xp - xm);
  }
  return est;
}

/** TF.js's gradients of sum(f(x) * c) with respect to the float inputs, in their order. */
function tfGradients(tf, spec, values, cot, outShape, floatInputs) {
  return tf.tidy(() => {
    const inputs = makeInputs(tf, spec, values);
    const stored = floatInputs.map((i) => tf.tensor(values[i].slice(), spec.inputs[i].shape, 'float32'));
    const c = tf.tensor(cot, outShape, 'float32');
    const loss = (...xs) => {
      // The differentiated arguments are the stored inputs; a transposed one is transposed
      // inside, so its gradient has its stored shape.
      const all = [...inputs];
      floatInputs.forEach((i, k) => {
        all[i] = spec.inputs[i].transpose ? tf.transpose(xs[k]) : xs[k];
      });
      return tf.sum(tf.mul(spec.run(tf, all, structuredClone(spec.params)), c));
    };
    const gs = tf.grads(loss)(stored);
    return gs.map((g) => ({ shape: g.shape, data: Float32Array.from(g.dataSync()) }));
  });
}

function sameShape(a, b) {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Compares TF.js's gradients with the finite differences; returns null when they agree, or a
 * description of the worst disagreement (the element whose error most exceeds the tolerance).
 */
function compareGradients(tfGrads, fdGrads, spec, floatInputs) {
  let worst = null;
  for (let k = 0; k < floatInputs.length; k++) {
    const i = floatInputs[k];
    const g = tfGrads[k];
    const fd = fdGrads[k];
    if (!sameShape(g.shape, spec.inputs[i].shape)) {
      return `TF.js gradient for input ${i} has shape ${fmtShape(g.shape)}, expected ${fmtShape(spec.inputs[i].shape)}`;
    }
    for (let j = 0; j < fd.length; j++) {
      const err = Math.abs(fd[j] - g.data[j]);
      const ratio = err / (FD_ATOL + FD_RTOL * Math.abs(g.data[j]));
      if (!(ratio <= 1) && (worst === null || !(ratio <= worst.ratio))) worst = { ratio, err, i, j };
    }
  }
  if (worst === null) return null;
  const e = Number.isNaN(worst.err) ? 'NaN' : worst.err.toPrecision(3);
  return `TF.js gradient disagrees with central differences (max error ${e} at input ${worst.i} element ${worst.j})`;
}

/** Builds the case record for one table entry. */
export function buildCase(tf, spec) {
  const id = caseId(spec);
  const rng = new Rng(id);
  const values = spec.inputs.map((inp) => inp.gen(rng, sizeOf(inp.shape)));
  if (spec.prepare) spec.prepare(values, spec);

  const out = tf.tidy(() => {
    const y = spec.run(tf, makeInputs(tf, spec, values), structuredClone(spec.params));
    return { shape: y.shape, dtype: y.dtype, data: y.dataSync().slice() };
  });

  const rec = {
    id,
    op: spec.op,
    params: spec.params,
    inputs: spec.inputs.map((inp, i) => encodeTensor(inp.shape, inp.dtype, values[i])),
    output: encodeTensor(out.shape, out.dtype, out.data),
    cotangent: null,
    grads: null,
  };

  const floatInputs = spec.inputs.flatMap((inp, i) => (inp.dtype === 'float32' ? [i] : []));
  if (out.dtype !== 'float32' || floatInputs.length === 0) return { rec };

  const cot = rng.uniformArray(sizeOf(out.shape), 0.5, 1.5);
  rec.cotangent = encodeTensor(out.shape, 'float32', cot, { withDType: false });

  const fd = floatInputs.map((i) => finiteDifferences(tf, spec, values, cot, i));
  let defect = null;
  let grads = null;
  try {
    grads = tfGradients(tf, spec, values, cot, out.shape, floatInputs);
    defect = compareGradients(grads, fd, spec, floatInputs);
  } catch (e) {
    defect = `TF.js failed to compute the gradient: ${e.message}`;
  }

  const perInput = spec.inputs.map(() => null);
  floatInputs.forEach((i, k) => {
    perInput[i] = defect
      ? { shape: [...spec.inputs[i].shape], data: Array.from(fd[k], encodeFloat32) }
      : encodeTensor(grads[k].shape, 'float32', grads[k].data, { withDType: false });
  });
  rec.grads = perInput;
  if (defect) {
    rec.gradSource = 'finiteDifferences';
    rec.gradDefect = defect;
  }
  return { rec, defect };
}
