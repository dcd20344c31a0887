import '@nabla/backend-cpu';
import '@nabla/backend-onnx';
import * as nb from '@nabla/core';
import { afterEach, expect, test } from 'vitest';
import { Sequential } from '../../models/sequential.js';
import { Adam } from '../../optimizers/adam.js';
import { uniform } from '../../test-utils/attention-reference.js';
import { Dense } from '../dense.js';
import { Flatten } from '../flatten.js';
import { type CallContext, Layer, type LayerArgs, type LayerShape } from '../layer.js';
import { MultiHeadAttention } from './multi-head-attention.js';
import { TransformerEncoder } from './transformer-encoder.js';

afterEach(() => nb.setBackend('cpu'));

/** Self-attention as a one-input layer for a Sequential model: MultiHeadAttention on [x, x], a sublayer. */
class SelfAttention extends Layer<nb.Tensor> {
  readonly attention: MultiHeadAttention;
  constructor(args: LayerArgs = {}) {
    super(args);
    this.attention = this.addSublayer(new MultiHeadAttention(2, 4, { dropout: 0.2, name: `${this.name}/attention` }));
  }
  override build(inputShape: LayerShape): void {
    this.attention.build([inputShape, inputShape]);
    super.build(inputShape);
  }
  override call(x: nb.Tensor, ctx: CallContext): nb.Tensor {
    return this.attention.apply([x, x], ctx) as nb.Tensor;
  }
}

/** The same model, data and initial weights on a backend: the training losses of a seeded fit. */
async function losses(backend: string, block: () => Layer, initial?: Float32Array[]): Promise<{ loss: number[]; weights: Float32Array[] }> {
  nb.setBackend(backend);
  const model = new Sequential([new Dense(8, { inputShape: [6, 3] }), block(), new Flatten(), new Dense(1)]);
  model.build([6, 3]);
  if (initial) model.setWeights(initial.map((data, i) => nb.tensor(data, model.weights[i].shape)));
  const weights = await Promise.all(model.weights.map(async (w) => (await w.value.data()) as Float32Array));
  model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
  const x = uniform([32, 6, 3], 1);
  const y = nb.sum(nb.mul(x, 0.5), [1, 2]).reshape([32, 1]);
  const history = await model.fit(x, y, { epochs: 6, batchSize: 8, verbose: 0, seed: 3 });
  model.dispose();
  return { loss: history.history.loss as number[], weights };
}

// The backends' float32 matmuls and reductions sum in different orders: the losses of six epochs
// agree to a few units in the 5th digit.
for (const [what, block] of [
  ['MultiHeadAttention (dropout 0.2, in a custom layer)', () => new SelfAttention()],
  ['TransformerEncoder (dropout 0.1)', () => new TransformerEncoder(16, 2, { dropout: 0.1 })],
] as const) {
  test(`${what} trains by fit on cpu and onnx with the same losses`, async () => {
    const cpu = await losses('cpu', block);
    const onnx = await losses('onnx', block, cpu.weights);
    expect(cpu.loss[5]).toBeLessThan(cpu.loss[0] * 0.5);
    for (let i = 0; i < cpu.loss.length; i++) expect(Math.abs(onnx.loss[i] - cpu.loss[i])).toBeLessThan(1e-4 * cpu.loss[i]);
  });
}
