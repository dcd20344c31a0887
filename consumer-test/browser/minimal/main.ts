// The smallest page: core and the CPU backend, the README's "core alone" example. Its bundle
// size is what every nabla page pays (the consumer test asserts it stays under 150 kB).
import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { run } from '../report.js';

void run(async () => {
  const X = nb.randomUniform([100, 1], { seed: 1 });
  const y = X.mul(3).add(nb.randomUniform([100, 1], { seed: 2 }));
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
  return { backend: nb.getBackend(), w: await params.w.item(), b: await params.b.item(), loss: await loss(params).item() };
});
