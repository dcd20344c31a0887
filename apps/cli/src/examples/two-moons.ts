import * as nb from '@nabla/core';

/**
 * A 2-16-2 tanh network on two interleaved half-moons (a problem no line separates), trained
 * with softmax cross-entropy and momentum SGD, all from core ops. Returns the training accuracy.
 */
async function moons(n: number): Promise<{ x: nb.Tensor; labels: nb.Tensor }> {
  const noiseTensor = nb.randomNormal([n, 2], { seed: 5, stddev: 0.1 });
  const noise = await noiseTensor.data(); // async: the examples run on every backend
  noiseTensor.dispose();
  const points = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const upper = i % 2 === 0;
    const t = (Math.PI * Math.floor(i / 2)) / (n / 2);
    points[2 * i] = (upper ? Math.cos(t) : 1 - Math.cos(t)) + noise[2 * i];
    points[2 * i + 1] = (upper ? Math.sin(t) : 0.5 - Math.sin(t)) + noise[2 * i + 1];
    labels[i] = upper ? 0 : 1;
  }
  return { x: nb.tensor(points, [n, 2]), labels: nb.tensor(labels, [n]) };
}

export async function twoMoons(log: (line: string) => void): Promise<{ accuracy: number; loss: number }> {
  const { x, labels } = await moons(200);
  const target = nb.oneHot(labels, 2);
  let params = {
    w1: nb.randomNormal([2, 16], { seed: 11, stddev: 0.7 }),
    b1: nb.zeros([16]),
    w2: nb.randomNormal([16, 2], { seed: 12, stddev: 0.3 }),
    b2: nb.zeros([2]),
  };
  type Params = typeof params;
  let velocity = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, nb.zerosLike(v)])) as Params;
  const logits = (p: Params) => nb.add(nb.matmul(nb.tanh(nb.add(nb.matmul(x, p.w1), p.b1)), p.w2), p.b2);
  const loss = (p: Params) => nb.neg(nb.mean(nb.sum(nb.mul(target, nb.logSoftmax(logits(p))), { axis: 1 })));
  const step = nb.valueAndGrad(loss);
  let last = Number.NaN;
  for (let epoch = 1; epoch <= 300; epoch++) {
    const next = nb.tidy(() => {
      const { value, grads } = step(params);
      const v = {} as Params;
      const p = {} as Params;
      for (const k of Object.keys(params) as (keyof Params)[]) {
        v[k] = velocity[k].mul(0.9).add(grads[k]);
        p[k] = params[k].sub(v[k].mul(0.1));
      }
      return { value, v, p };
    });
    await nb.realize(next);
    nb.dispose([params, velocity]);
    params = next.p;
    velocity = next.v;
    last = (await next.value.item()) as number;
    next.value.dispose();
    if (epoch % 100 === 0) log(`  epoch ${epoch}: loss ${last.toFixed(4)}`);
  }
  const correct = nb.tidy(() => nb.mean(nb.cast(nb.equal(nb.argMax(logits(params), 1), labels), 'float32')));
  const accuracy = (await correct.item()) as number;
  nb.dispose([correct, params, velocity, x, labels, target]);
  return { accuracy, loss: last };
}
