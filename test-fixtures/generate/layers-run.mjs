import { sizeOf } from './cases.mjs';
import { encodeFloat32, encodeTensor } from './encode.mjs';
import { tfLayer, weightName } from './layers-tf.mjs';
import { Rng } from './random.mjs';

/**
 * Turns one entry of the layer case table into a case record: draws the inputs and the
 * weights, runs the TF.js layer(s) in sequence, draws a cotangent per output, asks TF.js for
 * the gradients of sum(output * cotangent) with respect to every float input and trainable
 * weight, and checks them against central differences (as cases.mjs does for ops).
 *
 * A spec: { layers: [{ className, config }], inputs: [{ shape, dtype, gen, arg? }],
 * training?, tag? }. An input's `arg` says where it goes: absent for the layer's own inputs
 * (one, or a list for merging layers), 'mask' for the first layer's mask, 'initialState'
 * for a recurrent layer's initial states (in order).
 */

const FD_STEP = 1e-2;
const FD_ATOL = 2e-2;
const FD_RTOL = 2e-2;

/** Seeded weight values by name: kernels and biases small, scales near 1, variances positive. */
function weightValues(rng, name, n) {
  const base = name.split('/').pop();
  if (base === 'gamma' || base === 'moving_variance') return rng.uniformArray(n, 0.5, 1.5);
  return rng.uniformArray(n, -0.5, 0.5);
}

const fmtShape = (shape) => `[${shape.join(',')}]`;

function fmtConfig(config) {
  return Object.entries(config).map(([k, v]) => {
    if (k === 'layer') return `layer=${v.className}{${fmtConfig(v.config ?? {}).join(',')}}`;
    return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
  });
}

/** "Conv2D [2,7,7,3] filters=4 kernelSize=3": the layers (joined by '>'), the inputs, the options. */
export function layerCaseId(spec) {
  const layers = spec.layers.map((l) => [l.className, ...fmtConfig(l.config ?? {})].join(' '));
  const inputs = spec.inputs.map((i) => (i.arg ? `${i.arg}=` : '') + fmtShape(i.shape) + (i.dtype === 'float32' ? '' : i.dtype));
  const head = `${spec.layers[0].className} ${inputs.join(' ')}`;
  const rest = [fmtConfig(spec.layers[0].config ?? {}).join(' '), ...layers.slice(1).map((l) => `> ${l}`)];
  const tail = [spec.training ? 'training' : '', spec.tag ?? ''];
  return [head, ...rest, ...tail].filter((s) => s !== '').join(' ');
}

/** The TF.js layers for a spec, built on its inputs (TF.js builds a layer on its first call). */
function buildLayers(tf, spec, values) {
  const layers = spec.layers.map((l) => tfLayer(tf, l.className, l.config));
  tf.tidy(() => run(tf, spec, layers, values));
  return layers;
}

/** Applies the layers in sequence, threading masks as Keras does; returns the outputs as a list. */
function run(tf, spec, layers, values, inputTensors) {
  const tensors = inputTensors ?? spec.inputs.map((inp, i) => tf.tensor(values[i].slice(), inp.shape, inp.dtype));
  const own = tensors.filter((_, i) => !spec.inputs[i].arg);
  const states = tensors.filter((_, i) => spec.inputs[i].arg === 'initialState');
  let mask = tensors.find((_, i) => spec.inputs[i].arg === 'mask') ?? null;
  let x = own.length === 1 ? own[0] : own;
  layers.forEach((layer, i) => {
    const kwargs = {};
    if (spec.training) kwargs.training = true;
    if (mask) kwargs.mask = mask;
    if (i === 0 && states.length > 0) kwargs.initialState = states;
    const y = layer.apply(x, kwargs);
    mask = layer.computeMask(x, mask ?? undefined) ?? null;
    if (Array.isArray(mask)) mask = mask[0];
    x = y;
  });
  return Array.isArray(x) ? x : [x];
}

/** Sets every layer's weights from the arrays (TF.js copies them in). */
function setWeights(tf, layers, weightArrays) {
  layers.forEach((layer, i) => {
    layer.setWeights(layer.weights.map((w, k) => tf.tensor(weightArrays[i][k].slice(), w.shape, 'float32')));
  });
}

function forwardValues(tf, spec, layers, values, weightArrays) {
  return tf.tidy(() => {
    setWeights(tf, layers, weightArrays);
    return run(tf, spec, layers, values).map((y) => y.dataSync().slice());
  });
}

function dotCotangents(outs, cots) {
  let s = 0;
  outs.forEach((y, k) => {
    for (let j = 0; j < y.length; j++) s += y[j] * cots[k][j];
  });
  return s;
}

/** Central differences of sum(outputs * cotangents) for one array (an input's or a weight's values). */
function finiteDifferences(arr, evaluate, cots) {
  const base = Float32Array.from(arr);
  const est = new Float64Array(arr.length);
  for (let j = 0; j < arr.length; j++) {
    const x0 = base[j];
    const h = FD_STEP * Math.max(1, Math.abs(x0));
    arr[j] = Math.fround(x0 + h);
    const xp = arr[j];
    const yp = evaluate();
    arr[j] = Math.fround(x0 - h);
    const xm = arr[j];
    const ym = evaluate();
    arr[j] = x0;
    // The difference of the two outputs first, in float64, then the products (see cases.mjs).
    const diff = yp.map((y, k) => y.map((v, i) => v - ym[k][i]));
    est[j] = dotCotangents(diff, cots) / (xp - xm);
  }
  return est;
}

/** TF.js's gradients: float inputs and trainable weights as variables, through tf.variableGrads. */
function tfGradients(tf, spec, layers, values, weightArrays, cots, outShapes) {
  return tf.tidy(() => {
    setWeights(tf, layers, weightArrays);
    const inputVars = spec.inputs.map((inp, i) => (inp.dtype === 'float32' ? tf.variable(tf.tensor(values[i].slice(), inp.shape)) : null));
    const tensors = spec.inputs.map((inp, i) => inputVars[i] ?? tf.tensor(values[i].slice(), inp.shape, inp.dtype));
    const c = cots.map((v, k) => tf.tensor(v, outShapes[k], 'float32'));
    const trainable = layers.map((layer) => layer.weights.map((w) => (w.trainable ? w.val : null)));
    const varList = [...inputVars, ...trainable.flat()].filter((v) => v !== null);
    const { grads } = tf.variableGrads(() => {
      const outs = run(tf, spec, layers, values, tensors);
      return tf.addN(outs.map((y, k) => tf.sum(tf.mul(y, c[k]))));
    }, varList);
    const read = (v) => {
      if (v === null) return null;
      const g = grads[v.name];
      if (!g) throw new Error(`TF.js returned no gradient for ${v.name}`);
      return { shape: g.shape, data: Float32Array.from(g.dataSync()) };
    };
    const result = { inputs: inputVars.map(read), weights: trainable.map((ws) => ws.map(read)) };
    for (const v of inputVars) v?.dispose();
    return result;
  });
}

/** The worst disagreement between TF.js's gradients and the central differences, or null. */
function compareGradients(tfGrads, fd) {
  let worst = null;
  tfGrads.forEach((g, k) => {
    if (g === null) return;
    for (let j = 0; j < fd[k].length; j++) {
      const err = Math.abs(fd[k][j] - g.data[j]);
      const ratio = err / (FD_ATOL + FD_RTOL * Math.abs(g.data[j]));
      if (!(ratio <= 1) && (worst === null || !(ratio <= worst.ratio))) worst = { ratio, err, k, j };
    }
  });
  if (worst === null) return null;
  return `TF.js gradient disagrees with central differences (max error ${worst.err.toPrecision(3)} at element ${worst.j} of differentiated tensor ${worst.k})`;
}

const encodeGrad = (shape, data) => ({ shape: [...shape], data: Array.from(data, encodeFloat32) });

/** Builds the case record for one table entry. */
export function buildLayerCase(tf, spec) {
  const id = layerCaseId(spec);
  const rng = new Rng(id);
  const values = spec.inputs.map((inp) => inp.gen(rng, sizeOf(inp.shape)));
  const layers = buildLayers(tf, spec, values);
  const weightArrays = layers.map((layer) => layer.weights.map((w) => weightValues(rng, weightName(w.originalName), sizeOf(w.shape))));

  const outs = tf.tidy(() => {
    setWeights(tf, layers, weightArrays);
    const ys = run(tf, spec, layers, values);
    return ys.map((y) => ({ shape: y.shape, dtype: y.dtype, data: y.dataSync().slice() }));
  });
  // What a training-mode call left in the non-trainable weights (BatchNormalization's moving statistics).
  const after = layers.map((layer) => layer.weights.map((w) => (w.trainable ? null : w.read().dataSync().slice())));

  const rec = {
    id,
    layers: spec.layers.map((l, i) => ({
      className: l.className,
      config: l.config ?? {},
      weights: layers[i].weights.map((w, k) => ({
        name: weightName(w.originalName),
        ...(w.trainable ? {} : { trainable: false }),
        ...encodeTensor(w.shape, 'float32', weightArrays[i][k], { withDType: false }),
      })),
    })),
    training: spec.training ?? false,
    inputs: spec.inputs.map((inp, i) => ({ ...(inp.arg ? { arg: inp.arg } : {}), ...encodeTensor(inp.shape, inp.dtype, values[i]) })),
    outputs: outs.map((o) => encodeTensor(o.shape, o.dtype, o.data)),
  };
  const changed = after.map((ws, i) => ws.map((v, k) => (v?.some((x, j) => x !== weightArrays[i][k][j]) ? v : null)));
  if (changed.flat().some((v) => v !== null)) {
    rec.updatedWeights = changed.map((ws, i) =>
      ws.map((v, k) => (v === null ? null : encodeTensor(layers[i].weights[k].shape, 'float32', v, { withDType: false }))),
    );
  }

  const cots = outs.map((o) => rng.uniformArray(sizeOf(o.shape), 0.5, 1.5));
  rec.cotangents = outs.map((o, k) => encodeTensor(o.shape, 'float32', cots[k], { withDType: false }));

  // Everything differentiated, in order: the float inputs, then each layer's trainable weights.
  const targets = [
    ...spec.inputs.map((inp, i) => (inp.dtype === 'float32' ? { arr: values[i], shape: inp.shape } : null)),
    ...layers.flatMap((layer, i) => layer.weights.map((w, k) => (w.trainable ? { arr: weightArrays[i][k], shape: w.shape } : null))),
  ];
  const evaluate = () => forwardValues(tf, spec, layers, values, weightArrays);
  const fd = targets.map((t) => (t === null ? null : finiteDifferences(t.arr, evaluate, cots)));

  let defect = null;
  let flat = null;
  try {
    const g = tfGradients(
      tf,
      spec,
      layers,
      values,
      weightArrays,
      cots,
      outs.map((o) => o.shape),
    );
    flat = [...g.inputs, ...g.weights.flat()];
    defect = compareGradients(flat, fd);
  } catch (e) {
    defect = `TF.js failed to compute the gradient: ${e.message}`;
  }
  const grads = targets.map((t, k) => {
    if (t === null) return null;
    return defect ? encodeGrad(t.shape, fd[k]) : encodeGrad(flat[k].shape, flat[k].data);
  });
  const nIn = spec.inputs.length;
  let offset = nIn;
  rec.grads = {
    inputs: grads.slice(0, nIn),
    weights: layers.map((layer) => {
      const part = grads.slice(offset, offset + layer.weights.length);
      offset += layer.weights.length;
      return part;
    }),
  };
  if (defect) {
    rec.gradSource = 'finiteDifferences';
    rec.gradDefect = defect;
  }
  for (const layer of layers) layer.dispose();
  return { rec, defect };
}
