import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { Adagrad, Adam, AdamW, exponentialDecay, getOptimizer, RMSprop, SGD } from '../index.js';

// Issue 10, item 9: a learning rate given the TensorFlow.js or Keras way is the learning rate,
// or the call fails naming the option to use.
describe('optimizer learning rates, TF.js and Keras habits', () => {
  test('a number as the only argument is the learning rate (tf.train.adam(0.01), Keras Adam(0.01))', () => {
    expect(new Adam(0.01).learningRate).toBe(0.01);
    expect(new SGD(0.1).learningRate).toBe(0.1);
    expect(new RMSprop(0.02).learningRate).toBe(0.02);
    expect(new Adagrad(0.5).learningRate).toBe(0.5);
    expect(new AdamW(0.003).learningRate).toBe(0.003);
    // the other options keep their defaults
    expect(new Adam(0.01).getConfig()).toEqual({ ...new Adam().getConfig(), learningRate: 0.01 });
  });

  test("Keras's learning_rate and PyTorch's lr are errors naming learningRate", () => {
    for (const make of [
      (c: object) => new Adam(c),
      (c: object) => new SGD(c),
      (c: object) => new RMSprop(c),
      (c: object) => new AdamW(c),
    ]) {
      expect(() => make({ learning_rate: 0.1 })).toThrow(/unknown option 'learning_rate'; did you mean 'learningRate'\?/);
      expect(() => make({ lr: 0.1 })).toThrow(/unknown option 'lr'; did you mean 'learningRate'\?/);
    }
    expect(() => new Adam({ beta_1: 0.8 } as object)).toThrow("Adam: unknown option 'beta_1'; did you mean 'beta1'?");
    expect(() => new AdamW({ weight_decay: 0.1 } as object)).toThrow("AdamW: unknown option 'weight_decay'; did you mean 'weightDecay'?");
  });

  test('a second positional argument is an error, not a silently dropped beta1 or momentum', () => {
    expect(() => Reflect.construct(Adam, [0.01, 0.8])).toThrow(nb.NablaError);
    expect(() => Reflect.construct(SGD, [0.01, 0.9])).toThrow('SGD: takes at most 1 argument, got 2 (the extra: 0.9 (number))');
  });

  test('a wrong value still names the option', () => {
    expect(() => new Adam(-1)).toThrow('Adam: learningRate must be a positive number or a schedule, got -1');
    expect(() => new SGD('0.1' as unknown as number)).toThrow(nb.NablaError);
  });

  test('optimizer names: a typo suggests the nearest', () => {
    expect(() => getOptimizer('adamm')).toThrow("getOptimizer: unknown optimizer 'adamm'; did you mean 'adam'?");
    expect(() => getOptimizer('rmsprob')).toThrow("did you mean 'rmsprop'?");
  });

  test('schedules check their config keys', () => {
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, decay_rate: 0.5 } as never)).toThrow(
      "exponentialDecay: unknown option 'decay_rate'; did you mean 'decayRate'?",
    );
  });
});
