import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ProgbarLogger } from '../callbacks/progress.js';
import { Dense, Sequential } from '../index.js';

function model(): Sequential {
  const m = new Sequential([new Dense(1, { inputDim: 1, kernelInitializer: 'ones' })]);
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['meanAbsoluteError'] });
  return m;
}

afterEach(() => vi.restoreAllMocks());

describe('verbose, as TF.js and Keras code passes it', () => {
  test('evaluate takes verbose: 0 prints nothing, 1 prints the results on one line', async () => {
    const m = model();
    const x = nb.tensor([[1], [2]]);
    const y = nb.tensor([[2], [2]]);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const quiet = await m.evaluate(x, y, { verbose: 0 });
    expect(write).not.toHaveBeenCalled();
    const loud = await m.evaluate(x, y, { verbose: 1 });
    expect(loud).toEqual(quiet);
    expect(write).toHaveBeenCalledWith('loss: 0.5000 - meanAbsoluteError: 0.5000\n');
    await expect(m.evaluate(x, y, { verbose: 3 } as never)).rejects.toThrow("evaluate: option 'verbose' must be one of 0, 1, 2");
    nb.dispose([x, y]);
    m.dispose();
  });

  test('predict accepts verbose and prints nothing (it is lazy)', () => {
    const m = model();
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const p = m.predict(nb.tensor([[3]]), { verbose: true });
    expect(p.arraySync()).toEqual([[3]]);
    expect(write).not.toHaveBeenCalled();
    p.dispose();
    m.dispose();
  });

  test('without a process (a browser), progress lines go to console.log', () => {
    const saved = globalThis.process;
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      // biome-ignore lint/suspicious/noExplicitAny: simulates a page, where process is undefined
      (globalThis as any).process = undefined;
      const logger = new ProgbarLogger();
      logger.setParams({ epochs: 1, steps: 1, verbose: 2 } as never);
      logger.onEpochBegin(0);
      logger.onEpochEnd(0, { loss: 0.25 });
    } finally {
      globalThis.process = saved;
    }
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0][0])).toMatch(/loss: 0\.2500/);
  });
});
