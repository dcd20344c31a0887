// Trains the README's examples (core alone, and the Keras way) on every browser backend:
// 'cpu' and 'onnx-wasm' ('@nabla/backend-onnx' resolves to its onnxruntime-web entry here).
import '@nabla/backend-cpu';
import '@nabla/backend-onnx';
import * as nb from '@nabla/core';
import { Dense, Sequential } from '@nabla/nn';
import { coreAlone } from '../readme-core.js';
import { run } from '../report.js';

async function kerasWay(X: nb.Tensor, y: nb.Tensor) {
  const model = new Sequential([new Dense(1, { inputDim: 1 })]);
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['meanSquaredError'] });
  const history = await model.fit(X, y, { epochs: 100, batchSize: 10, verbose: 0 });
  const yPred = model.predict(X);
  return {
    firstLoss: history.history.loss[0],
    lastLoss: history.history.loss[history.history.loss.length - 1],
    mse: await nb.mean(nb.square(yPred.sub(y))).item(),
  };
}

void run(async () => {
  const results: Record<string, unknown> = {};
  for (const backend of ['cpu', 'onnx-wasm']) {
    nb.setBackend(backend);
    nb.setSeed(0); // the same initial weights on every backend
    const X = nb.randomUniform([100, 1], { seed: 1 });
    const y = X.mul(3).add(nb.randomUniform([100, 1], { seed: 2 }));
    results[backend] = { core: await coreAlone(X, y), keras: await kerasWay(X, y) };
  }
  return results;
});
