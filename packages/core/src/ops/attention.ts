import { op } from '../engine/op.js';
import { fmtShape, NablaError } from '../errors.js';
import { checkOptions, is } from '../options.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { arange, type TensorLike, toFloatTensor } from './creation.js';
import { greaterEqual, logicalAnd, mul, notEqual, where } from './elementwise.js';
import { matmul } from './matmul.js';
import { reshape } from './movement.js';
import { softmax } from './softmax.js';

export interface AttentionOptions {
  /**
   * Where a query may attend to a key (true) and where not, broadcastable to the scores'
   * [..., Tq, Tk] (a padding mask [B, 1, 1, Tk] or [B, 1, Tk], an attention mask [B, 1, Tq, Tk]).
   * bool, or numbers where non-zero is true.
   */
  mask?: Tensor;
  /** Also masks the keys after each query (key j > query i, counted from the start of both): causal attention. */
  causal?: boolean;
  /** Multiplies the query before its product with the keys; default 1/sqrt(dk). */
  scale?: number;
}

const ATTENTION_SCHEMA = { mask: is.instance(Tensor, 'a tensor'), causal: is.boolean, scale: is.finite };

/**
 * Keras's value for masked scores (its Softmax layer's -1e9): far below any real score, and
 * finite, so a softmax over it has no NaN. A row with every key masked comes out as zeros, as
 * Keras 3 has it (the select after the softmax), not as a uniform spread over padding.
 */
const MASKED = -1e9;

/**
 * The attention probabilities softmax(scale * q k^T) over the keys, [..., Tq, Tk], with masked
 * pairs at exactly 0. Layout as PyTorch's: query [..., Tq, dk], key [..., Tk, dk]; leading axes
 * broadcast as in matmul. The first half of dotProductAttention, for callers that need the
 * probabilities themselves (to return them, or to apply dropout to them).
 */
export const attentionWeights = op(
  'attentionWeights',
  function attentionWeights(query: TensorLike, key: TensorLike, options: AttentionOptions = {}): Tensor {
    const name = 'attentionWeights';
    const q = toFloatTensor(name, query);
    const k = toFloatTensor(name, key);
    if (q.rank < 2 || k.rank < 2) {
      throw new NablaError(
        `${name}: query and key need rank >= 2 ([..., time, features]), got ${fmtShape(q.shape)} and ${fmtShape(k.shape)}`,
      );
    }
    if (q.shape[q.rank - 1] !== k.shape[k.rank - 1]) {
      throw new NablaError(`${name}: query and key must have the same last dimension, got ${fmtShape(q.shape)} and ${fmtShape(k.shape)}`);
    }
    return weights(name, q, k, checkOptions(name, options, ATTENTION_SCHEMA));
  },
  3,
);

/**
 * Scaled dot-product attention: softmax(scale * q k^T, masked) v, [..., Tq, dv]. query
 * [..., Tq, dk], key [..., Tk, dk], value [..., Tk, dv] (PyTorch's layout; a multi-head caller
 * puts the heads among the leading axes). Masked pairs weigh 0; a query with every key masked
 * gets zeros. Composed from matmul and softmax, so it runs and differentiates on every backend.
 */
export const dotProductAttention = op(
  'dotProductAttention',
  function dotProductAttention(query: TensorLike, key: TensorLike, value: TensorLike, options: AttentionOptions = {}): Tensor {
    const name = 'dotProductAttention';
    const q = toFloatTensor(name, query);
    const k = toFloatTensor(name, key);
    const v = toFloatTensor(name, value);
    if (q.rank < 2 || k.rank < 2 || v.rank < 2) {
      throw new NablaError(
        `${name}: query, key and value need rank >= 2 ([..., time, features]), got ${fmtShape(q.shape)}, ${fmtShape(k.shape)} and ${fmtShape(v.shape)}`,
      );
    }
    if (q.shape[q.rank - 1] !== k.shape[k.rank - 1]) {
      throw new NablaError(`${name}: query and key must have the same last dimension, got ${fmtShape(q.shape)} and ${fmtShape(k.shape)}`);
    }
    if (k.shape[k.rank - 2] !== v.shape[v.rank - 2]) {
      throw new NablaError(`${name}: key and value must have the same length (axis -2), got ${fmtShape(k.shape)} and ${fmtShape(v.shape)}`);
    }
    return matmul(weights(name, q, k, checkOptions(name, options, ATTENTION_SCHEMA)), v);
  },
  4,
);

function weights(name: string, q: Tensor, k: Tensor, o: AttentionOptions): Tensor {
  const dk = q.shape[q.rank - 1];
  const scale = o.scale ?? 1 / Math.sqrt(dk);
  const scores = matmul(mul(q, scale), k, { transposeB: true });
  const mask = combinedMask(name, scores.shape, o);
  if (mask === undefined) return softmax(scores);
  return where(mask, softmax(where(mask, scores, MASKED)), 0);
}

/** The given mask (as bool, its shape checked) and the causal one, combined; undefined when neither is asked for. */
function combinedMask(name: string, scoresShape: readonly number[], o: AttentionOptions): Tensor | undefined {
  let mask: Tensor | undefined;
  if (o.mask !== undefined) {
    const m = o.mask;
    let fits = m.rank <= scoresShape.length;
    if (fits) {
      try {
        fits = shapesEqual(broadcastShapes(name, m.shape, scoresShape), scoresShape);
      } catch {
        fits = false;
      }
    }
    if (!fits) {
      throw new NablaError(`${name}: mask of shape ${fmtShape(m.shape)} does not broadcast to the scores' ${fmtShape(scoresShape)}`);
    }
    mask = m.dtype === 'bool' ? m : notEqual(m, 0);
  }
  if (o.causal) {
    const tq = scoresShape[scoresShape.length - 2];
    const tk = scoresShape[scoresShape.length - 1];
    // Two small ranges compared in the graph, not a [Tq, Tk] constant fed to every step.
    const causal = greaterEqual(reshape(arange(0, tq, 1, 'int32'), [tq, 1]), arange(0, tk, 1, 'int32'));
    mask = mask === undefined ? causal : logicalAnd(mask, causal);
  }
  return mask;
}
