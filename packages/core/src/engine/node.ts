import { getBackend, getBackendInstance } from '../backend.js';
import { bytesPerElement, type DType, describeSize, type TypedArray } from '../dtype.js';
import { fmtShape, NablaError } from '../errors.js';
import type { PrimitiveAttrs, PrimitiveOp } from '../primitives.js';
import { sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { makeStorage, track } from './memory.js';
import { realizeSync } from './realize.js';
import { engine } from './state.js';

/** Throws if a tensor cannot be used by `op` (disposed), naming both. */
export function checkUsable(op: string, t: Tensor): void {
  if (t.state.disposed && engine.internalDepth === 0) {
    throw new NablaError(`${op}: tensor was disposed (shape ${fmtShape(t.shape)}, ${t.dtype})`);
  }
}

function checkBackendDType(op: string, backend: string, dtype: DType): void {
  const caps = getBackendInstance(backend).capabilities;
  if (!caps.dtypes.includes(dtype)) {
    throw new NablaError(`${op}: backend '${backend}' does not support ${dtype} (it has ${caps.dtypes.join(', ')})`);
  }
}

/** Records one primitive node. Shapes and dtypes were checked by the caller (ops/prims.ts). */
export function makeNode<K extends PrimitiveOp>(
  label: string,
  op: K,
  inputs: Tensor[],
  attrs: PrimitiveAttrs[K],
  shape: readonly number[],
  dtype: DType,
): Tensor {
  const backend = inputs.length > 0 ? inputs[0].backend : getBackend();
  for (const x of inputs) {
    checkUsable(label, x);
    if (x.backend !== backend) {
      throw new NablaError(`${label}: operands live on different backends ('${backend}' and '${x.backend}')`);
    }
  }
  checkBackendDType(label, backend, dtype);
  const key = `${op}${attrsKey(attrs)}${dtype}`;
  const t = track(new Tensor(shape, dtype, backend, op, attrs, inputs, null, key, label));
  if (engine.debug) onDebugNode(t);
  return t;
}

/** A node that computes its input but hides it from autodiff. */
export function makeStopGradient(x: Tensor): Tensor {
  checkUsable('stopGradient', x);
  return track(new Tensor(x.shape, x.dtype, x.backend, 'stopGradient', null, [x], null, 'stopGradient', 'stopGradient'));
}

/**
 * A realized tensor holding a copy of host data, on the current backend: inside an op, the
 * backend of its tensor operands (engine.opBackend), else the default.
 */
export function fromHost(label: string, data: TypedArray, shape: readonly number[], dtype: DType, internal = false): Tensor {
  const backendName = engine.opBackend ?? getBackend();
  checkBackendDType(label, backendName, dtype);
  if (data.length !== sizeOf(shape)) {
    throw new NablaError(`${label}: ${data.length} values do not fill shape ${fmtShape(shape)}`);
  }
  if (engine.debug) {
    const bad = data.findIndex((v: number) => !Number.isFinite(v));
    if (bad >= 0) throw new NablaError(`debug: ${label} was given ${data[bad]} at flat index ${bad}`);
  }
  let buffer: unknown;
  try {
    buffer = getBackendInstance(backendName).upload(data, dtype, shape);
  } catch (e) {
    // A backend's copy of the data can exceed what the host (or device) can hold.
    if (e instanceof RangeError) {
      throw new NablaError(
        `${label}: cannot allocate a tensor of shape ${fmtShape(shape)}: ${describeSize(dtype, data.length)}: ${e.message}`,
      );
    }
    throw e;
  }
  return fromBuffer(backendName, buffer, shape, dtype, label, internal || engine.opDepth > 0);
}

/** A realized tensor around a backend buffer (uploaded data, or nb.jit's outputs). */
export function fromBuffer(
  backendName: string,
  buffer: unknown,
  shape: readonly number[],
  dtype: DType,
  label = 'jit',
  internal = false,
): Tensor {
  const storage = makeStorage(backendName, buffer, sizeOf(shape) * bytesPerElement(dtype));
  return track(new Tensor(shape, dtype, backendName, 'leaf', null, null, storage, 'leaf', label), internal);
}

/**
 * Debug mode: on a synchronous backend every node is computed as it is made, so a NaN or an
 * Infinity is reported by the op that produced it, with the caller's stack. Asynchronous
 * backends check every intermediate when the graph runs (realize.ts).
 */
function onDebugNode(t: Tensor): void {
  if (getBackendInstance(t.backend).capabilities.sync) realizeSync([t]);
}

/**
 * Attributes as a key: JSON, except that the numbers JSON cannot tell apart keep their identity
 * (JSON writes NaN and both infinities as null, and -0 as 0), so that pad(x, -Infinity) and
 * pad(x, NaN) are neither merged into one node nor given one compiled executable.
 */
export function attrsKey(attrs: object): string {
  return JSON.stringify(attrs, (_k, v) =>
    typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `#${Object.is(v, -0) ? '-0' : v}` : v,
  );
}
