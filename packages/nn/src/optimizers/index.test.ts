import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { Adagrad, Adam, AdamW, cosineDecay, getOptimizer, type Optimizer, optimizerFromConfig, RMSprop, SGD } from './index.js';

describe('getOptimizer', () => {
  test('names, any case, with defaults; an optimizer passes through', () => {
    const cases: [string, string, number][] = [
      ['sgd', 'SGD', 0.01],
      ['Adam', 'Adam', 0.001],
      ['ADAMW', 'AdamW', 0.001],
      ['RMSprop', 'RMSprop', 0.001],
      ['adagrad', 'Adagrad', 0.001],
    ];
    for (const [id, className, lr] of cases) {
      const opt = getOptimizer(id);
      expect(opt.className).toBe(className);
      expect(opt.currentLearningRate(0)).toBe(lr);
    }
    expect(getOptimizer('adamw')).toBeInstanceOf(AdamW);
    const mine = new SGD({ learningRate: 0.3 });
    expect(getOptimizer(mine)).toBe(mine);
  });

  test('unknown names list the known ones', () => {
    expect(() => getOptimizer('adadelta')).toThrow(
      new nb.NablaError("getOptimizer: unknown optimizer 'adadelta'; known: sgd, adam, adamw, rmsprop, adagrad"),
    );
  });
});

describe('optimizerFromConfig', () => {
  test('round trips every optimizer, clip settings and schedules included', () => {
    const opts: Optimizer[] = [
      new SGD({ learningRate: 0.2, momentum: 0.8, nesterov: true, clipValue: 1 }),
      new Adam({ learningRate: cosineDecay({ initialLearningRate: 0.01, decaySteps: 50, alpha: 0.1 }), beta1: 0.8, amsgrad: true }),
      new AdamW({ weightDecay: 0.01, globalClipNorm: 5 }),
      new RMSprop({ rho: 0.95, momentum: 0.1, centered: true, clipNorm: 2 }),
      new Adagrad({ initialAccumulatorValue: 0.2, epsilon: 1e-6 }),
    ];
    for (const opt of opts) {
      // A JSON round trip, as a saved model would make.
      const saved = JSON.parse(JSON.stringify({ className: opt.className, config: opt.getConfig() }));
      const copy = optimizerFromConfig(saved);
      expect(copy.constructor).toBe(opt.constructor);
      expect(copy.getConfig()).toEqual(opt.getConfig());
      expect(copy.currentLearningRate(25)).toBe(opt.currentLearningRate(25));
    }
    // The schedule came back as a schedule: cosine halfway is 0.01 * (0.9 * 0.5 + 0.1) = 0.0055.
    const adam = optimizerFromConfig(JSON.parse(JSON.stringify({ className: 'Adam', config: opts[1].getConfig() })));
    expect(adam.currentLearningRate(25)).toBeCloseTo(0.0055, 15);
  });

  test('errors', () => {
    expect(() => optimizerFromConfig({ className: 'Nadam', config: {} })).toThrow(
      "optimizerFromConfig: unknown optimizer class 'Nadam'; known: SGD, Adam, AdamW, RMSprop, Adagrad",
    );
    expect(() => optimizerFromConfig({ className: 'Adam', config: { beta2: 1.5 } })).toThrow('Adam: beta2 must be in [0, 1), got 1.5');
    expect(() => optimizerFromConfig({ className: 'SGD', config: { learningRate: { className: 'Step', config: {} } } })).toThrow(
      "scheduleFromConfig: unknown schedule 'Step'",
    );
  });
});
