import '@nabla/backend-cpu';
import '@nabla/backend-onnx';
import * as nb from '@nabla/core';
import * as nn from '@nabla/nn';

/**
 * One process, one figure: the first trainOnBatch of an LSTM(64) + Dense(1) model (batch 32, 16
 * features, Adam, MSE) at sequence length T, which traces the unrolled step, compiles it and runs
 * it once; then the median of later steps. Run fresh for each measurement by lstm-compile.ts, so
 * that no cache from another length helps. The runtime is warmed first (onnxruntime-web compiles
 * its WebAssembly once per process): that start-up is not the model's.
 *   node apps/bench/dist/lstm-first-call.js <backend> <T>  ->  one JSON line
 */
const [backend, length] = process.argv.slice(2);
nb.setBackend(backend);
const T = Number(length);
const x = nb.randomNormal([32, T, 16], { seed: 1 });
const y = nb.randomNormal([32, 1], { seed: 2 });
const model = new nn.Sequential([new nn.LSTM(64, { inputShape: [T, 16] }), new nn.Dense(1)]);
model.compile({ optimizer: new nn.Adam(1e-3), loss: 'meanSquaredError' });
await nb.realize(x, y);
await nb.add(x, 1).data();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await model.trainOnBatch(x, y);
const firstMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const steps: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  await model.trainOnBatch(x, y);
  steps.push(performance.now() - t);
}
steps.sort((a, b) => a - b);
console.log(JSON.stringify({ firstMs, firstCpuMs: (cpu.user + cpu.system) / 1000, stepMs: steps[2] }));
process.exit(0);
