/** A weight's values laid out anew in JavaScript, so the exported model holds them ready (no Transpose node per run). */
export function permuteData(
  data: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): { data: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  // The stride in the source of each output axis, walked with an odometer over the output.
  const step = perm.map((p) => strides[p]);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = data[src];
    for (let k = rank - 1; k >= 0; k--) {
      index[k]++;
      src += step[k];
      if (index[k] < outShape[k]) break;
      src -= step[k] * outShape[k];
      index[k] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/**
 * A Keras kernel [...window, a, b] as ONNX's [b, a, ...window]: Conv's [out, in / groups, ...]
 * from [..., in / groups, out], ConvTranspose's [in, out, ...] from [..., out, in].
 */
export function kernelToOnnx(data: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  const r = shape.length - 2;
  return permuteData(data, shape, [r + 1, r, ...Array.from({ length: r }, (_, i) => i)]);
}
