/**
 * Which ONNX nodes of a model onnxruntime's WebGPU execution provider has no kernel for.
 *
 * onnxruntime places such nodes on its CPU provider, and says which only in its verbose log
 * (native stderr in Node). So the nodes are asked one by one: each distinct signature (op type
 * and the element types of its operands and results, all a kernel lookup depends on) becomes a
 * model of that node alone, created with CPU fallback disabled; if that fails, the provider has
 * no kernel for it. The types come from onnxruntime itself: the model with every value a graph
 * output, untyped, loaded on the CPU, whose output metadata then has them. This runs only for a
 * graph whose strict session failed, and each signature is asked once per backend.
 */
import { DATA_TYPE, type OnnxGraphBuilder, type OnnxType } from '../onnx/builder.js';
import type { DataType, NodeProto, ValueInfoProto } from '../onnx/proto.js';

/**
 * The error onnxruntime gives when session.disable_cpu_ep_fallback is set and a node would run on
 * the CPU: onnxruntime-node says so; onnxruntime-web, which then has no CPU provider at all,
 * fails to place the node ("Provider type for Cast node with name 'n1_Cast' is not set").
 */
export const CPU_FALLBACK_ERROR = /fallback to CPU EP has been explicitly disabled|Provider type for \S+ node with name '[^']*' is not set/;

const TYPE_NAME = new Map<number, string>(Object.entries(DATA_TYPE).map(([name, code]) => [code, name]));
TYPE_NAME.set(10, 'float16');

/** An output's metadata as onnxruntime-node (a type code) or onnxruntime-web (a type name) gives it. */
export interface ValueMetadata {
  name: string;
  type?: number | string;
  shape?: readonly (number | string)[];
}

/** What probing needs from the runtime: sessions on the CPU, and strict ones on WebGPU. */
export interface KernelProber {
  /** The output metadata of the model loaded on the CPU provider, unoptimized. */
  outputMetadata(model: Uint8Array): Promise<readonly ValueMetadata[]>;
  /** Resolves if a WebGPU session with CPU fallback disabled can be created for the model; rejects with onnxruntime's error if not. */
  createStrict(model: Uint8Array): Promise<void>;
}

/** A node the WebGPU provider has no kernel for, as its signature, e.g. 'Mul(float64)'. */
export interface MissingKernel {
  signature: string;
  /** Its index among the model's nodes (onnxruntime's error messages name node i `n<i>_<op>`). */
  node: string;
}

function declaredInfo(m: ValueMetadata): ValueInfoProto {
  const elemType = (typeof m.type === 'string' ? DATA_TYPE[m.type as OnnxType] : m.type) as DataType | undefined;
  const static_ = m.shape?.every((d) => typeof d === 'number' && d >= 0);
  return { name: m.name, elemType, shape: static_ ? (m.shape as number[]) : undefined };
}

function typeName(v: ValueInfoProto | undefined): string {
  return v?.elemType === undefined ? '?' : (TYPE_NAME.get(v.elemType) ?? `type ${v.elemType}`);
}

/**
 * 'Op(t)' when every operand and result has type t, 'Op(a, b)' when the results have the
 * operands' last type, else 'Op(a, b -> c)'.
 */
export function signatureOf(node: NodeProto, info: (value: string) => ValueInfoProto | undefined): string {
  const ins = node.input.filter((i) => i !== '').map((i) => typeName(info(i)));
  const outs = node.output.filter((o) => o !== '').map((o) => typeName(info(o)));
  const domain = node.domain ? `${node.domain}.` : '';
  const distinctIns = [...new Set(ins)];
  const sameOut = outs.every((o) => o === ins.at(-1));
  const operands = distinctIns.length === 1 ? distinctIns : ins;
  return `${domain}${node.opType}(${operands.join(', ')}${sameOut && ins.length > 0 ? '' : ` -> ${outs.join(', ')}`})`;
}

/**
 * The nodes of the builder's model that the WebGPU provider lacks a kernel for, one per
 * signature. `known` caches each signature's answer (true: it has a kernel) across graphs.
 */
export async function missingKernels(
  builder: OnnxGraphBuilder,
  prober: KernelProber,
  known: Map<string, boolean>,
): Promise<MissingKernel[]> {
  const { nodes, declared } = builder.liveNodes();
  const info = new Map(declared);
  for (const m of await prober.outputMetadata(builder.typesModel())) if (!info.has(m.name)) info.set(m.name, declaredInfo(m));
  const missing: MissingKernel[] = [];
  const seen = new Set<string>();
  for (const node of nodes) {
    const signature = signatureOf(node, (v) => info.get(v));
    if (seen.has(signature)) continue;
    seen.add(signature);
    let hasKernel = known.get(signature);
    if (hasKernel === undefined) {
      const model = builder.nodeModel(node, (v) => info.get(v) ?? { name: v });
      hasKernel = await prober.createStrict(model).then(
        () => true,
        (e: unknown) => !CPU_FALLBACK_ERROR.test(e instanceof Error ? e.message : String(e)),
      );
      known.set(signature, hasKernel);
    }
    if (!hasKernel) missing.push({ signature, node: node.name ?? node.opType });
  }
  return missing;
}
