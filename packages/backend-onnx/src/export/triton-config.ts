import { NablaError } from '@nabla/core';
import { DataType, type ValueInfoProto } from '../onnx/proto.js';

/**
 * Triton's config.pbtxt (a ModelConfig in protobuf's text format) for an exported ONNX model on
 * Triton's ONNX Runtime backend, which KServe's and Seldon's Triton runtimes serve as it is.
 */

/** The first line of every config nabla writes: how exportTritonRepo knows a folder as its own. */
export const CONFIG_HEADER = '# Triton model configuration written by nabla (exportTritonRepo).';

/** Triton's data_type of each ONNX element type a graph input or output may have. */
const TRITON_TYPE: Partial<Record<number, string>> = {
  [DataType.FLOAT]: 'TYPE_FP32',
  [DataType.DOUBLE]: 'TYPE_FP64',
  [DataType.INT32]: 'TYPE_INT32',
  [DataType.INT64]: 'TYPE_INT64',
  [DataType.BOOL]: 'TYPE_BOOL',
  [DataType.UINT8]: 'TYPE_UINT8',
  [DataType.UINT32]: 'TYPE_UINT32',
  [DataType.UINT64]: 'TYPE_UINT64',
};

export type InstanceKind = 'auto' | 'cpu' | 'gpu';

export interface TritonConfigOptions {
  name: string;
  maxBatchSize: number;
  instances: number;
  instanceKind: InstanceKind;
  dynamicBatching: { preferredBatchSizes: number[]; maxQueueDelayMicroseconds?: number } | null;
  /** The ONNX opset of the model, noted in the header for whoever pins a Triton release. */
  opset: number;
}

/** One input or output of the config: its name, Triton type, dims and, for a per-sample scalar, the reshape. */
interface Entry {
  name: string;
  dataType: string;
  dims: number[];
  scalar: boolean;
}

function entry(v: ValueInfoProto, batched: boolean): Entry {
  const dataType = v.elemType === undefined ? undefined : TRITON_TYPE[v.elemType];
  const shape = v.shape ?? [];
  if (dataType === undefined || shape[0] !== 'batch' || shape.slice(1).some((d) => typeof d !== 'number')) {
    throw new NablaError(
      `exportTritonRepo: the graph's value '${v.name}' has element type ${v.elemType} and shape [${shape.join(', ')}]; ` +
        'Triton entries need a known type and a leading batch axis before known sizes',
    );
  }
  const sample = shape.slice(1) as number[];
  if (!batched) return { name: v.name, dataType, dims: [-1, ...sample], scalar: false };
  // With max_batch_size > 0 Triton's dims leave the batch axis out and may not be empty. A value
  // of shape [batch] (one scalar per sample) is therefore, as Triton's model configuration guide
  // says under "Reshape", `dims: [ 1 ]` with `reshape: { shape: [ ] }`: clients send and receive
  // [batch, 1], and Triton hands the model [batch] and reads [batch] back. The graph keeps [batch].
  if (sample.length === 0) return { name: v.name, dataType, dims: [1], scalar: true };
  return { name: v.name, dataType, dims: sample, scalar: false };
}

const quote = (s: string) => JSON.stringify(s); // names are ONNX identifiers or checked model names: no escapes beyond JSON's

function section(kind: 'input' | 'output', entries: Entry[]): string[] {
  const lines = [`${kind} [`];
  entries.forEach((e, i) => {
    lines.push('  {', `    name: ${quote(e.name)}`, `    data_type: ${e.dataType}`, `    dims: [ ${e.dims.join(', ')} ]`);
    if (e.scalar) lines.push('    reshape: { shape: [ ] }');
    lines.push(i === entries.length - 1 ? '  }' : '  },');
  });
  lines.push(']');
  return lines;
}

const KIND: Record<InstanceKind, string> = { auto: 'KIND_AUTO', cpu: 'KIND_CPU', gpu: 'KIND_GPU' };

/** The config.pbtxt text for a graph with these inputs and outputs. */
export function tritonConfig(inputs: readonly ValueInfoProto[], outputs: readonly ValueInfoProto[], o: TritonConfigOptions): string {
  const batched = o.maxBatchSize > 0;
  const lines = [
    CONFIG_HEADER,
    `# ONNX opset ${o.opset}; inputs and outputs as the graph declares them, ${batched ? 'the batch axis left to max_batch_size' : 'the batch axis as -1'}.`,
    `name: ${quote(o.name)}`,
    'platform: "onnxruntime_onnx"',
    'backend: "onnxruntime"',
    `max_batch_size: ${o.maxBatchSize}`,
    ...section(
      'input',
      inputs.map((v) => entry(v, batched)),
    ),
    ...section(
      'output',
      outputs.map((v) => entry(v, batched)),
    ),
    'instance_group [',
    '  {',
    `    count: ${o.instances}`,
    `    kind: ${KIND[o.instanceKind]}`,
    '  }',
    ']',
  ];
  const d = o.dynamicBatching;
  if (d !== null) {
    lines.push('dynamic_batching {');
    if (d.preferredBatchSizes.length > 0) lines.push(`  preferred_batch_size: [ ${d.preferredBatchSizes.join(', ')} ]`);
    if (d.maxQueueDelayMicroseconds !== undefined) lines.push(`  max_queue_delay_microseconds: ${d.maxQueueDelayMicroseconds}`);
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}
