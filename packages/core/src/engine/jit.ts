import { type Backend, DEFAULT_JIT_FOLD_LIMIT } from '../backend.js';
import type { DType } from '../dtype.js';
import { NablaError } from '../errors.js';
import { checkArity } from '../options.js';
import { Tensor } from '../tensor.js';
import { collectTensors, pin, releaseInternal, unpin } from './memory.js';
import { fromBuffer } from './node.js';
import { plan, realize } from './realize.js';
import { simplify } from './simplify.js';
import { engine } from './state.js';

/**
 * nb.jit: trace a function of tensors once per input signature, then replay its compiled graph.
 *
 * Lazy execution already compiles each graph structure once, but every call still builds the
 * graph in JavaScript (a Tensor per op, the structure key), which dominates small training
 * steps. A jitted function records its graph on the first call with given input shapes and
 * dtypes; later calls hand the inputs' buffers straight to the cached executable.
 *
 * Like any tracing compiler, the function must not depend on tensor values (reading one while
 * tracing is an error) and its non-tensor behaviour is frozen at trace time. Tensors it closes
 * over are captured as they were at trace time; pass anything that changes as an argument.
 * Randomness that must change between calls takes a seed tensor argument (`{ seed: t }`).
 */
export type JitTree = Tensor | JitTree[] | { [key: string]: JitTree };

interface Compiled {
  /** The signature of the arguments it was traced for (see flatten). */
  tokens: string[];
  backend: Backend;
  backendName: string;
  executable: unknown;
  /** Per graph input: the index of a flattened argument, or a captured tensor. */
  sources: (number | Tensor)[];
  outputs: { shape: readonly number[]; dtype: DType; signature: string }[];
  /** The result's structure, with output indices where its tensors go. */
  template: Template;
}

type Template = number | Template[] | { [key: string]: Template };

/**
 * Collects a tree's tensors (depth first) and its signature as tokens: brackets, object keys
 * (each after a ':' marker, so no key reads as structure) and each tensor's dtype, shape and
 * backend string. Runs on every call: comparing token lists, whose strings are mostly the very
 * same objects call after call, is cheaper than building and hashing one long key.
 */
function flatten(tree: JitTree, tensors: Tensor[], tokens: string[]): void {
  if (tree instanceof Tensor) {
    tensors.push(tree);
    tokens.push(tree.signature);
  } else if (Array.isArray(tree)) {
    tokens.push('[');
    for (const t of tree) flatten(t, tensors, tokens);
    tokens.push(']');
  } else if (tree !== null && typeof tree === 'object') {
    tokens.push('{');
    for (const k of Object.keys(tree)) {
      tokens.push(':', k);
      flatten(tree[k], tensors, tokens);
    }
    tokens.push('}');
  } else {
    throw new NablaError(`jit: arguments and results must be tensors, arrays or plain objects of tensors, got ${typeof tree}`);
  }
}

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function toTemplate(tree: JitTree, outputs: Tensor[]): Template {
  if (tree instanceof Tensor) return outputs.push(tree) - 1;
  if (Array.isArray(tree)) return tree.map((t) => toTemplate(t, outputs));
  return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, toTemplate(v, outputs)]));
}

function fromTemplate(template: Template, values: Tensor[]): JitTree {
  if (typeof template === 'number') return values[template];
  if (Array.isArray(template)) return template.map((t) => fromTemplate(t, values));
  const tree: { [key: string]: JitTree } = {};
  for (const k of Object.keys(template)) tree[k] = fromTemplate(template[k], values);
  return tree;
}

async function trace(fn: (args: JitTree) => JitTree, args: JitTree, inputs: Tensor[], tokens: string[]): Promise<Compiled> {
  const savedInternals = engine.internals;
  engine.internals = [];
  engine.opDepth++; // everything made while tracing is internal, swept below
  engine.jitDepth++;
  let result: JitTree;
  try {
    result = fn(args);
    flatten(result, [], []);
  } finally {
    engine.jitDepth--;
    engine.opDepth--;
  }
  const outputs: Tensor[] = [];
  const template = toTemplate(result, outputs);
  if (outputs.length === 0) throw new NablaError('jit: the function returned no tensors');
  const p = plan(outputs, true);
  if (!p) throw new NablaError('jit: nothing to compile');
  const position = new Map(inputs.map((t, i) => [t, i]));
  const sources = p.leaves.map((leaf) => {
    const i = position.get(leaf);
    if (i !== undefined) return i;
    pin(leaf); // captured: the compiled function reads it until it is disposed
    return leaf;
  });
  // Small captured constants (hyperparameters, epsilons) are offered to the backend as values it
  // may fold into the executable: onnxruntime then neither feeds them per run nor recomputes
  // what depends only on them. How small is the backend's to say (capabilities.jitFoldLimit).
  const foldLimit = p.backend.capabilities.jitFoldLimit ?? DEFAULT_JIT_FOLD_LIMIT;
  for (const [k, s] of sources.entries()) {
    if (typeof s === 'number' || s.size > foldLimit || !s.storage) continue;
    p.graph.inputs[k].value = await p.backend.read(s.storage.buffer, s.dtype, s.size);
  }
  // Its own executable, outside core's cache: an eviction there must not release it under us.
  const executable = await p.backend.compile(simplify(p.graph));
  for (const t of engine.internals) if (t.state.internal && t.state.consumers === 0) releaseInternal(t);
  engine.internals = savedInternals;
  return {
    tokens,
    backend: p.backend,
    backendName: p.backendName,
    executable,
    sources,
    outputs: outputs.map((t) => ({ shape: t.shape, dtype: t.dtype, signature: t.signature })),
    template,
  };
}

const TRACE_LIMIT = 64;

function release(c: Compiled): void {
  for (const s of c.sources) if (typeof s !== 'number') unpin(s);
  c.backend.release?.(c.executable);
}

/** A jitted function that nobody can call any more lets go of what its traces captured. */
const collected = new FinalizationRegistry<Compiled[]>((traces) => {
  for (const c of traces) release(c);
  traces.length = 0;
});

/** A compiled function; `dispose()` releases the tensors its traces captured. */
export interface Jitted<A, R> {
  (args: A): Promise<R>;
  dispose(): void;
}

/**
 * Compiles `fn` (a function of one tree of tensors returning a tree of tensors). The result is
 * async and returns realized tensors in the same structure as fn's result.
 */
export function jit<A extends JitTree, R extends JitTree>(fn: (args: A) => R, ...extra: never[]): Jitted<A, R> {
  checkArity('jit', [fn, ...extra], 1);
  // Most recently used last; a training loop alternates between one or two.
  const traces: Compiled[] = [];
  const jitted = async (args: A): Promise<R> => {
    const inputs: Tensor[] = [];
    const tokens: string[] = [];
    flatten(args, inputs, tokens);
    let pending = false;
    for (const t of inputs) {
      if (t.isDisposed) throw new NablaError(`jit: an argument was disposed (shape [${t.shape.join(',')}], ${t.dtype})`);
      if (!t.storage) pending = true;
    }
    if (engine.debug) {
      // Debug mode checks every op as it runs: no replay.
      const r = fn(args);
      await realize(collectTensors(r));
      return r;
    }
    if (pending) await realize(inputs.filter((t) => !t.storage));
    let at = traces.length - 1;
    while (at >= 0 && !sameTokens(traces[at].tokens, tokens)) at--;
    let c: Compiled;
    if (at >= 0) {
      c = traces[at];
      if (at !== traces.length - 1) traces.push(...traces.splice(at, 1));
    } else {
      c = await trace(fn as unknown as (a: JitTree) => JitTree, args, inputs, tokens);
      if (traces.length >= TRACE_LIMIT) release(traces.shift() as Compiled);
      traces.push(c);
    }
    const compiled = c;
    const buffers = await compiled.backend.run(
      compiled.executable,
      compiled.sources.map((s) => (typeof s === 'number' ? inputs[s] : s).storage?.buffer),
    );
    const values = buffers.map((b, i) => {
      const { shape, dtype, signature } = compiled.outputs[i];
      const t = fromBuffer(compiled.backendName, b, shape, dtype);
      t.signatureKey = signature; // results are often the next call's arguments
      return t;
    });
    return fromTemplate(compiled.template, values) as R;
  };
  const dispose = () => {
    collected.unregister(traces);
    for (const c of traces) release(c);
    traces.length = 0;
  };
  collected.register(jitted, traces, traces);
  return Object.assign(jitted, { dispose });
}
