import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { afterEach, describe, expect, test } from 'vitest';
import { Dense, Sequential } from '../index.js';

function model(): Sequential {
  const m = new Sequential([new Dense(1, { inputDim: 2 })]);
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}
const x = () => nb.randomUniform([64, 2], { seed: 1 });
const y = () => nb.randomUniform([64, 1], { seed: 2 });

// A second backend with the CPU's kernels, so that tensors can live on two backends in one test.
const cpu = nb.getBackendInstance('cpu');
nb.registerBackend('cpu-other', () => Object.assign(Object.create(Object.getPrototypeOf(cpu)), cpu, { name: 'cpu-other' }));
afterEach(() => nb.setBackend('cpu'));

describe('which run goes first, and on which backend', () => {
  test('of a fit and an evaluate started together, the one called second is refused', async () => {
    const m = model();
    const running = m.fit(x(), y(), { epochs: 2, batchSize: 8, verbose: 0 });
    await expect(m.evaluate(x(), y())).rejects.toThrow('evaluate: this model is already training');
    await expect(running).resolves.toBeDefined();
    m.dispose();
  });

  test('fit and evaluate on a model and data of another backend than the default are errors naming both', async () => {
    const m = model();
    const [tx, ty] = [x(), y()];
    m.predict(tx).dispose(); // builds the weights on cpu
    nb.setBackend('cpu-other');
    const said = "the model and its data live on backend 'cpu' but the default backend is 'cpu-other'; call nb.setBackend('cpu') first";
    await expect(m.fit(tx, ty, { verbose: 0 })).rejects.toThrow(`fit: ${said}`);
    await expect(m.evaluate(tx, ty)).rejects.toThrow(`evaluate: ${said}`);
    nb.setBackend('cpu');
    await expect(m.fit(tx, ty, { verbose: 0 })).resolves.toBeDefined();
    m.dispose();
  });

  test('a backend switch during fit stops it with an error saying so, and the model trains again after', async () => {
    const m = model();
    const [tx, ty] = [x(), y()];
    const switcher = { onBatchEnd: (batch: number) => (batch === 2 ? nb.setBackend('cpu-other') : undefined) };
    await expect(m.fit(tx, ty, { batchSize: 8, verbose: 0, callbacks: switcher })).rejects.toThrow(
      "fit: the default backend changed from 'cpu' to 'cpu-other' while it ran",
    );
    nb.setBackend('cpu');
    await expect(m.fit(tx, ty, { batchSize: 8, verbose: 0 })).resolves.toBeDefined();
    m.dispose();
  });
});
