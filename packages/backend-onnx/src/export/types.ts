import type { Tensor } from '@nabla/core';
import type { OnnxGraphBuilder, OnnxType } from '../onnx/builder.js';

/** One sample's shape (the batch axis excluded), as layers report it; null where unknown. */
export type SampleShape = (number | null)[];

/**
 * What export reads from a layer: its registered class name, its config, its weights (named
 * `${layer.name}/${weight}`), and, when it has them, its output shapes and whether it passes
 * masks on. @nabla/nn's layers have all of these; nothing here imports @nabla/nn.
 */
export interface ExportableLayer {
  readonly className: string;
  readonly name?: string;
  getConfig(): Record<string, unknown>;
  readonly weights: readonly { name: string; value: Tensor }[];
  computeOutputShape?(inputShape: SampleShape | SampleShape[]): SampleShape | SampleShape[];
  /** Whether the layer passes its input's mask on unchanged (Keras's supports_masking). */
  readonly supportsMasking?: boolean;
}

/** A functional model's graph as @nabla/nn's `model.graphConfig()` gives it. */
export interface ExportableGraph {
  inputs: { name: string; shape: SampleShape; dtype: string }[];
  layers: { className: string; config: Record<string, unknown> }[];
  /** Each call: the index of its layer, its inputs (`input:k`, `call:i:k`), whether they were a list. */
  calls: { layer: number; inputs: string[]; list: boolean }[];
  outputs: string[];
}

/**
 * A Sequential (layers in order, one input) or a functional model (`graphConfig()` not null;
 * its `layers` in the graph's order).
 */
export interface ExportableModel {
  readonly layers: readonly ExportableLayer[];
  readonly inputShape?: SampleShape;
  graphConfig?(): ExportableGraph | null;
  /** A functional model's output names (Keras's: the layers'), which name the ONNX outputs. */
  readonly outputNames?: string[];
}

/**
 * What an exporter gets for one call of a layer: the graph being written, the layer, the ONNX
 * values of its inputs with their sample shapes, and helpers for its weights.
 */
export interface OnnxExportContext {
  /** The graph being written: `op`/`node` add nodes, `constant`/`int64s`/`scalar` add constants. */
  readonly builder: OnnxGraphBuilder;
  readonly layer: ExportableLayer;
  /** `layer.getConfig()`, read once. */
  readonly config: Record<string, unknown>;
  /** The ONNX value of each input: one, or one per input for a layer called on a list. */
  readonly inputs: readonly string[];
  /** Whether the layer was called on a list of inputs. */
  readonly listInput: boolean;
  /** Each input's element type. */
  readonly inputTypes: readonly OnnxType[];
  /** Each input's sample shape (the batch axis excluded; every ONNX value has the batch axis first). */
  readonly inputShapes: readonly number[][];
  /** Each output's sample shape, from the layer's computeOutputShape. */
  readonly outputShapes: readonly number[][];
  /**
   * Each input's mask: a bool value ([batch, time] for sequences) from a layer before that makes
   * one (Embedding with maskZero), or null. An exporter whose layer's values depend on masks
   * reads them; others may ignore them.
   */
  readonly masks: readonly (string | null)[];
  /** The layer's name for messages ('conv2d_1'), or its class name. */
  readonly layerName: string;
  /** A weight as a float32 initializer, by the name the layer gave it ('kernel'; a sublayer's: 'query/kernel'). */
  weight(name: string): Promise<string>;
  /** A weight's values and shape, for exporters that lay them out anew. */
  weightData(name: string): Promise<{ shape: number[]; data: Float32Array }>;
  /** Whether the layer has that weight (a layer without bias has no 'bias'). */
  hasWeight(name: string): boolean;
  /** A Keras activation by name ('relu', 'softmax' over the last axis, ...) applied to x; 'linear' returns x. */
  activation(name: string, x: string): string;
  /** x [batch, ...spatial, channels] as [batch, channels, ...spatial] (ONNX's layout for Conv and pooling); each value is transposed once. */
  channelsFirst(x: string, spatialRank: number): string;
  /** The inverse of channelsFirst. */
  channelsLast(x: string, spatialRank: number): string;
  /** A NablaError naming exportOnnx, the layer and its class. */
  error(message: string): Error;
}

/** An exporter's outputs: one value, one per output, or with the outputs' masks and types (default: none, float32). */
export type OnnxExportResult = string | string[] | { outputs: string[]; masks?: (string | null)[]; types?: OnnxType[] };

/** Writes one call of a layer as ONNX nodes. */
export type OnnxExporter = (ctx: OnnxExportContext) => OnnxExportResult | Promise<OnnxExportResult>;
