// The README's "core alone" example: linear regression by valueAndGrad, 500 steps. It imports
// only @nabla/core, so the minimal page's bundle stays core + cpu.
import * as nb from '@nabla/core';

export async function coreAlone(X: nb.Tensor, y: nb.Tensor) {
  let params = { w: nb.zeros([1, 1]), b: nb.zeros([1]) };
  const loss = (p: typeof params) => nb.mean(nb.square(nb.matmul(X, p.w).add(p.b).sub(y)));
  const step = nb.valueAndGrad(loss);
  for (let i = 0; i < 500; i++) {
    const next = nb.tidy(() => {
      const { grads } = step(params);
      return { w: params.w.sub(grads.w.mul(0.5)), b: params.b.sub(grads.b.mul(0.5)) };
    });
    nb.dispose(params);
    params = next;
  }
  return { w: await params.w.item(), b: await params.b.item(), loss: await loss(params).item() };
}
