import { broadcastStrides, type GraphNode, NablaError, sizeOf } from '@nabla/core';
import type { FusedGroup } from '../fusion.js';
import { binaryExpr, castExpr, type Expr, helpersFor, unaryExpr, whereExpr } from '../wgsl/expressions.js';
import { bindings, collapseAxes, flatMain, groupsFor, offsetsCode, ParamWriter, scalarOf } from '../wgsl/prelude.js';
import type { KernelContext, NodeKernel } from './kernel.js';

/**
 * One kernel for a fused group of elementwise nodes (a single node when fusion is off): one
 * invocation per output element reads each leaf through its broadcast strides, computes the
 * group's nodes in order as WGSL `let`s, and writes the last one. Axes that every leaf walks
 * contiguously are merged first, so most kernels index in rank 1 or 2; the rank, the leaves'
 * types and the expressions are in the source, the sizes and strides in the params.
 */
export function elementwiseKernel(ctx: KernelContext, group: FusedGroup): NodeKernel {
  const { node: root } = ctx;
  const outShape = root.shape;
  const size = sizeOf(outShape);
  const { shape, strides } = collapseAxes(
    outShape,
    group.leaves.map((id) => broadcastStrides(ctx.shapeOf(id), outShape)),
  );
  const rank = shape.length;
  const p = new ParamWriter();
  p.u32(size);
  const dimsAt = p.list(shape);
  const stridesAt = p.length;
  for (const s of strides) p.list(s);

  const values = new Map<number, Expr>();
  const lines: string[] = [];
  group.leaves.forEach((id, k) => {
    const type = scalarOf(ctx.dtypeOf(id));
    lines.push(`  let x${k} = in${k}[off${k}];`);
    values.set(id, { code: `x${k}`, type });
  });
  // Values are named by their place in the group, never by node id: the source must be the
  // same for every occurrence of the same expression, or each would compile a pipeline of its own.
  group.nodes.forEach((id, k) => {
    const node = ctx.graph.nodes[id - ctx.graph.inputs.length];
    const e = nodeExpr(node, (i) => values.get(i) as Expr, ctx);
    lines.push(`  let v${k} = ${e.code};`);
    values.set(id, { code: `v${k}`, type: e.type });
  });
  const result = values.get(ctx.id) as Expr;
  const outType = scalarOf(root.dtype);
  const store = result.type === outType ? result.code : `${outType}(${result.code})`;

  const wg = ctx.limits.maxInvocations;
  const body = [
    '  if (gid >= prm(0u)) { return; }',
    offsetsCode('gid', rank, group.leaves.length, dimsAt, stridesAt),
    ...lines,
    `  out0[gid] = ${store};`,
  ].join('\n');
  const main = flatMain(wg, body);
  const decls = bindings(
    p.length,
    group.leaves.map((id) => scalarOf(ctx.dtypeOf(id))),
    [outType],
  );
  const wgsl = `${decls}\n${helpersFor(main)}\n${main}`;
  return {
    passes: [
      {
        wgsl,
        params: p.finish(),
        reads: group.leaves.map((value) => ({ value })),
        writes: [{ value: ctx.id }],
        workgroups: groupsFor(size, wg),
      },
    ],
  };
}

function nodeExpr(node: GraphNode, operand: (id: number) => Expr, ctx: KernelContext): Expr {
  const [a, b, c] = node.inputs.map(operand);
  switch (node.op) {
    case 'unary':
      return unaryExpr(node.attrs.fn, a, ctx.dtypeOf(node.inputs[0]), node.dtype);
    case 'binary':
      return binaryExpr(node.attrs.fn, a, b, ctx.dtypeOf(node.inputs[0]));
    case 'where':
      return whereExpr(a, b, c);
    case 'cast':
      return castExpr(a, ctx.dtypeOf(node.inputs[0]), node.dtype);
    case 'expand':
      return a;
    default:
      throw new NablaError(`webgpu: '${node.op}' is not elementwise`);
  }
}
