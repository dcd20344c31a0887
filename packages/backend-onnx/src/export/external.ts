import type { TensorProto } from '../onnx/proto.js';

/**
 * ONNX external data: the weights in a file beside the model, the model's tensors naming
 * `location`, `offset` and `length` in it (data_location EXTERNAL). protobuf cannot parse a
 * message of 2 GiB or more, so a model whose weights come near that must keep them outside;
 * onnxruntime reads them from the model's folder when it loads the model from its path.
 */

/** protobuf's limit on one message (the whole .onnx file when the weights are inside it): 2 GiB - 1 bytes. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;

/** Weights past this many bytes go to the external file by default: 2 GB, leaving ~147 MB under protobuf's limit for the graph itself. */
export const DEFAULT_EXTERNAL_THRESHOLD = 2_000_000_000;

/** Tensors smaller than this stay inside the model (onnx's own convert_model_to_external_data default): shapes, axes, scalars. */
const INLINE_BELOW = 1024;

/**
 * Offsets as onnx's external-data writer aligns them: every tensor at a 4 KiB page, large ones
 * (1 MiB and more) at 64 KiB, Windows' allocation granularity, so that a runtime may map them
 * from the file rather than copy them.
 */
function alignment(bytes: number): number {
  return bytes >= 1 << 20 ? 1 << 16 : 1 << 12;
}

export interface ExternalData {
  /** The initializers, those moved out naming their place in the file. */
  initializers: TensorProto[];
  /** The file's bytes in order (tensors and the zero padding between them). */
  chunks: Uint8Array[];
  /** The file's size. */
  size: number;
}

/** The sum of the initializers' bytes. */
export function weightBytes(initializers: readonly TensorProto[]): number {
  return initializers.reduce((sum, t) => sum + t.rawData.byteLength, 0);
}

/** Moves every initializer of INLINE_BELOW bytes or more to the file named `location` (relative to the model's folder). */
export function externalize(initializers: readonly TensorProto[], location: string): ExternalData {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const out = initializers.map((t): TensorProto => {
    const length = t.rawData.byteLength;
    if (length < INLINE_BELOW) return t;
    const align = alignment(length);
    const offset = Math.ceil(size / align) * align;
    if (offset > size) chunks.push(new Uint8Array(offset - size));
    chunks.push(t.rawData);
    size = offset + length;
    return {
      name: t.name,
      dataType: t.dataType,
      dims: t.dims,
      rawData: new Uint8Array(0),
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ],
    };
  });
  return { initializers: out, chunks, size };
}
