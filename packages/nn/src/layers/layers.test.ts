import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { checkGradients } from '../../../core/src/test-utils/gradcheck.js';
import { withWeightValues } from '../weight.js';
import { Activation, Dense, Dropout, Flatten, Reshape } from './index.js';

describe('Dense', () => {
  test('computes activation(x W + b) with the given initializers', async () => {
    const d = new Dense(2, { inputDim: 3, activation: 'relu', kernelInitializer: 'ones', biasInitializer: nbConstant(-4) });
    const y = d.apply(
      nb.tensor([
        [1, 2, 3],
        [0, 1, 0],
      ]),
    );
    // rows: [1+2+3-4, ...] = [2, 2]; [1-4, ...] = relu(-3) = 0
    expect(await y.array()).toEqual([
      [2, 2],
      [0, 0],
    ]);
    expect(d.weights.map((w) => w.name)).toEqual([`${d.name}/kernel`, `${d.name}/bias`]);
    expect(d.countParams()).toBe(8);
  });

  test('without bias; batched rank-3 input', async () => {
    const d = new Dense(4, { useBias: false });
    expect(d.apply(nb.ones([2, 5, 3])).shape).toEqual([2, 5, 4]);
    expect(d.weights.length).toBe(1);
  });

  test('gradients of the layer function (float64)', () => {
    const d = new Dense(3, { inputDim: 2, activation: 'tanh', kernelInitializer: 'glorotUniform' });
    d.apply(nb.ones([1, 2]));
    const k = d.kernel as NonNullable<typeof d.kernel>;
    checkGradients(
      (x, w) =>
        withWeightValues(
          (v) => (v === k ? w : undefined),
          () => d.apply(x),
        ).result,
      [
        [0.3, -0.7, 1.1, 0.2],
        [0.5, -0.1, 0.4, 0.9, -0.6, 0.2],
      ],
      {
        shapes: [
          [2, 2],
          [2, 3],
        ],
      },
    );
  });

  test('bad arguments and wrong input shapes are clear errors', () => {
    expect(() => new Dense(0)).toThrow(/units must be a positive integer, got 0/);
    const d = new Dense(2, { inputDim: 3, name: 'dense_x' });
    d.apply(nb.ones([1, 3]));
    expect(() => d.apply(nb.ones([4, 5]))).toThrow('dense_x: expected input shape [null,3], got [4,5]');
    expect(() => new Dense(2, { activation: 'nope' })).toThrow(/unknown activation 'nope'/);
  });
});

function nbConstant(value: number) {
  return { className: 'Constant', config: { value } } as never;
}

describe('Activation, Flatten, Reshape', () => {
  test('values and shapes', async () => {
    expect(await new Activation('sigmoid').apply(nb.tensor([[0]])).array()).toEqual([[0.5]]);
    const f = new Flatten();
    expect(f.apply(nb.ones([2, 3, 4])).shape).toEqual([2, 12]);
    expect(f.computeOutputShape([3, 4])).toEqual([12]);
    const r = new Reshape([2, -1]);
    expect(r.apply(nb.ones([5, 6])).shape).toEqual([5, 2, 3]);
    expect(r.computeOutputShape([6])).toEqual([2, 3]);
    expect(() => new Reshape([4, 4]).apply(nb.ones([2, 6]))).toThrow(/cannot reshape samples of shape \[6\] to \[4,4\]/);
  });
});

describe('Dropout', () => {
  test('off at inference; at training drops about rate and rescales the rest', async () => {
    const d = new Dropout(0.25, { seed: 3 });
    const x = nb.ones([100, 100]);
    expect(await nb.sum(d.apply(x, { training: false })).item()).toBe(10000);
    const y = await d.apply(x, { training: true, seed: nb.scalar(11, 'int32') }).data();
    const zeros = y.filter((v) => v === 0).length;
    expect(Math.abs(zeros / 10000 - 0.25)).toBeLessThan(0.02);
    for (const v of y) expect(v === 0 || Math.abs(v - 1 / 0.75) < 1e-6).toBe(true);
  });

  test('seeded: the same step seed gives the same mask, another seed another', async () => {
    const d = new Dropout(0.5, { seed: 1 });
    const x = nb.ones([64]).reshape([1, 64]);
    const a = await d.apply(x, { training: true, seed: nb.scalar(5, 'int32') }).data();
    const b = await d.apply(x, { training: true, seed: nb.scalar(5, 'int32') }).data();
    const c = await d.apply(x, { training: true, seed: nb.scalar(6, 'int32') }).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(() => new Dropout(1)).toThrow(/rate must be in \[0, 1\), got 1/);
  });
});
