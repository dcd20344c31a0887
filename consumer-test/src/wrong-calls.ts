/**
 * Calls a user could get wrong: each must stay a type error (tsc reports an unused
 * '@ts-expect-error' if one starts to type-check). Never run; only type-checked.
 */
import { createWebGpuBackend } from '@nabla/backend-webgpu';
import * as nb from '@nabla/core';
import { Dense, Sequential } from '@nabla/nn';

export function wrongCalls(): void {
  // @ts-expect-error unknown option: the seed option is `seed`
  nb.randomUniform([2, 2], { sead: 1 });
  // @ts-expect-error unknown option: Keras's `inputDim`, misspelled
  new Dense(1, { inputDims: 1 });
  const model = new Sequential([new Dense(1, { inputDim: 1 })]);
  // @ts-expect-error unknown option: `metrics`, misspelled
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError', metric: ['meanSquaredError'] });
  // @ts-expect-error unknown option: `epochs`, misspelled
  void model.fit(nb.zeros([1, 1]), nb.zeros([1, 1]), { epoch: 1 });
  // @ts-expect-error a shape is an array of numbers
  nb.zeros('2x2');
  // @ts-expect-error unknown option: `fusion`, misspelled
  createWebGpuBackend('webgpu-unfused', { fusoin: false });
  // @ts-expect-error not a matmul kernel of the webgpu backend
  createWebGpuBackend('webgpu-fixed', { matmul: 'fastest' });
}
