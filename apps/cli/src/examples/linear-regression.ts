import * as nb from '@nabla/core';

/**
 * The seed's linear regression, y = 3x + noise in [0, 1), fitted with core's autodiff and a
 * hand-written gradient-descent step. The least-squares answer is weight ~3, bias ~0.5.
 */
export async function linearRegression(log: (line: string) => void): Promise<{ weight: number; bias: number; loss: number }> {
  const { X, y } = nb.tidy(() => {
    const X = nb.randomUniform([100, 1], { seed: 1 });
    return { X, y: X.mul(3).add(nb.randomUniform([100, 1], { seed: 2 })) };
  });
  let params = { w: nb.zeros([1, 1]), b: nb.zeros([1]) };
  const loss = (p: typeof params) => nb.mean(nb.square(nb.sub(nb.add(nb.matmul(X, p.w), p.b), y)));
  const step = nb.valueAndGrad(loss);
  const learningRate = 0.5;
  let last = Number.NaN;
  for (let epoch = 1; epoch <= 500; epoch++) {
    const next = nb.tidy(() => {
      const { value, grads } = step(params);
      return { value, w: params.w.sub(grads.w.mul(learningRate)), b: params.b.sub(grads.b.mul(learningRate)) };
    });
    await nb.realize(next);
    nb.dispose(params);
    params = { w: next.w, b: next.b };
    last = (await next.value.item()) as number;
    next.value.dispose();
    if (epoch % 100 === 0) log(`  epoch ${epoch}: loss ${last.toFixed(5)}`);
  }
  const weight = (await params.w.item()) as number;
  const bias = (await params.b.item()) as number;
  nb.dispose([params, X, y]);
  return { weight, bias, loss: last };
}
