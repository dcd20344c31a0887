import { NablaError } from '@nabla/core';
import { encodeModel, type ValueInfoProto } from '../onnx/proto.js';
import { type ExternalData, externalize, PROTOBUF_LIMIT, weightBytes } from './external.js';
import { type GraphNames, GraphWriter } from './graph.js';
import { fitOpset, irVersionFor } from './opset.js';
import type { ExportableModel } from './types.js';

/** The model's graph, written by its layers' exporters: a functional model's when it has one, else a Sequential's. */
export async function writeGraph(model: ExportableModel, names: GraphNames): Promise<GraphWriter> {
  const graph = typeof model?.graphConfig === 'function' ? model.graphConfig() : null;
  const writer = new GraphWriter(graph ? 'nabla-functional' : 'nabla-sequential');
  if (graph) await writer.functional(model, graph, names);
  else await writer.sequential(model, names);
  return writer;
}

export interface EncodeOptions {
  /** The opset the model declares, its nodes fitted to it (MIN_OPSET..MAX_OPSET). */
  opset: number;
  /** Weights past `threshold` bytes go to the file `location` beside the model; without this they must fit in the model. */
  external?: { threshold: number; location: string };
  /** The operation errors name. */
  op: string;
}

export interface EncodedModel {
  /** The .onnx file. */
  model: Uint8Array;
  /** The external data file, when the weights went there. */
  data?: ExternalData;
  /** The graph's inputs and outputs as declared (name, element type, shape with 'batch' first). */
  inputs: readonly ValueInfoProto[];
  outputs: readonly ValueInfoProto[];
}

/** A written graph as a model file: its nodes fitted to the opset, its weights inside it or beside it. */
export function encodeExport(writer: GraphWriter, o: EncodeOptions): EncodedModel {
  const g = writer.b.liveGraph();
  const fitted = fitOpset(
    {
      nodes: g.nodes,
      initializers: g.initializers,
      names: [...g.inputs.map((v) => v.name), ...g.initializers.map((t) => t.name as string)],
    },
    o.opset,
    (node) => writer.layerOf(node.name),
  );
  let initializers = fitted.initializers;
  let data: ExternalData | undefined;
  const bytes = weightBytes(initializers);
  if (o.external !== undefined && bytes > o.external.threshold) {
    const moved = externalize(initializers, o.external.location);
    // Weights all under the inline size (shapes and scalars) stay in the model: no empty file beside it.
    if (moved.size > 0) {
      data = moved;
      initializers = moved.initializers;
    }
  } else if (bytes >= PROTOBUF_LIMIT) {
    throw new NablaError(
      `${o.op}: the model's weights take ${bytes} bytes, past the 2 GiB protobuf allows in one .onnx file; ` +
        'exportTritonRepo writes them to an external data file beside the model',
    );
  }
  const model = encodeModel({
    irVersion: irVersionFor(o.opset),
    opsetImport: [{ domain: '', version: o.opset }],
    producerName: 'nabla',
    graph: { name: g.name, node: fitted.nodes, initializer: initializers, input: g.inputs, output: g.outputs },
  });
  if (model.byteLength > PROTOBUF_LIMIT) {
    throw new NablaError(
      `${o.op}: the model takes ${model.byteLength} bytes, past the 2 GiB protobuf allows in one .onnx file; ` +
        (o.external ? 'lower externalDataThreshold so that more of the weights go to the external data file' : 'use exportTritonRepo'),
    );
  }
  return { model, data, inputs: g.inputs, outputs: g.outputs };
}

/** Whether a file starts as nabla's ModelProto does: ir_version (field 1), then producer_name 'nabla' (field 2). */
export function exportedByNabla(head: Uint8Array): boolean {
  let i = 0;
  if (head[i++] !== 0x08) return false;
  while (i < head.length && head[i] & 0x80) i++; // the ir_version varint
  i++;
  const name = 'nabla';
  if (head[i++] !== 0x12 || head[i++] !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (head[i + k] !== name.charCodeAt(k)) return false;
  return true;
}
