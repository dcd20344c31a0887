import '@nabla/backend-cpu';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { afterAll, describe, expect, test } from 'vitest';
import { Dense, GlorotUniform, input, loadModel, Model, Sequential, saveModel } from '../index.js';

/**
 * A model compiled with the user's own loss or metric functions saves them by name; loadModel
 * takes them from customObjects (Keras's custom_objects) or loads with { compile: false }, and
 * never swaps in nabla's function of the same name.
 */

const dir = mkdtempSync(join(tmpdir(), 'nabla-custom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `m${n++}`);

const x = nb.randomUniform([16, 3], { seed: 1 });
const y = nb.randomUniform([16, 2], { seed: 2 });

function model(): Sequential {
  return new Sequential([new Dense(2, { inputShape: [3], kernelInitializer: new GlorotUniform({ seed: 3 }) })]);
}

/** Mean absolute error cubed: nothing nabla has, so a model that loads with it computes it. */
function cubedError(yTrue: nb.Tensor, yPred: nb.Tensor): nb.Tensor {
  return nb.mean(nb.pow(nb.abs(nb.sub(yTrue, yPred)), 3));
}
function maxError(yTrue: nb.Tensor, yPred: nb.Tensor): nb.Tensor {
  return nb.max(nb.abs(nb.sub(yTrue, yPred)));
}
/** Per sample, as weighted metrics must be: each sample's largest error. */
function worstOutput(yTrue: nb.Tensor, yPred: nb.Tensor): nb.Tensor {
  return nb.max(nb.abs(nb.sub(yTrue, yPred)), -1);
}

const compiledJson = (path: string) => JSON.parse(readFileSync(join(path, 'model.json'), 'utf8')).compile;

describe('custom losses and metrics', () => {
  test("saved by name and marked as the user's; loadModel needs them in customObjects, then evaluates as the original", async () => {
    const m = model();
    m.compile({ optimizer: 'adam', loss: cubedError, metrics: [maxError, 'meanAbsoluteError'] });
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const path = fresh();
    await saveModel(m, path);
    expect(compiledJson(path)).toMatchObject({
      loss: 'cubedError',
      metrics: ['maxError', 'meanAbsoluteError'],
      custom: ['cubedError', 'maxError'],
    });

    await expect(loadModel(path)).rejects.toThrow(
      "load: the model was compiled with its own loss function 'cubedError', which nabla does not know by name: pass it as loadModel(source, { customObjects: { cubedError: fn } }), or load with { compile: false }",
    );
    await expect(loadModel(path, { customObjects: { cubedError } })).rejects.toThrow("its own metric function 'maxError'");
    // A misspelt name: the error shows what was given beside what is needed.
    await expect(loadModel(path, { customObjects: { cubederror: cubedError } })).rejects.toThrow(
      "its own loss function 'cubedError', which nabla does not know by name: pass it as loadModel(source, { customObjects: { cubedError: fn } }), or load with { compile: false } (the architecture and weights, to predict or compile anew); customObjects gives 'cubederror'",
    );

    const loaded = await loadModel(path, { customObjects: { cubedError, maxError } });
    const [a, b] = [await m.evaluate(x, y), await loaded.evaluate(x, y)];
    expect(b).toEqual(a);
    expect(Object.keys(b)).toEqual(['loss', 'maxError', 'meanAbsoluteError']);
    // The optimizer's state came back too: one more epoch on each gives the same weights.
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, shuffle: false });
    await loaded.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, shuffle: false });
    expect(await loaded.getWeights()[0].data()).toEqual(await m.getWeights()[0].data());
    m.dispose();
    loaded.dispose();
  });

  test("a user's function named as a built-in (mse) is never replaced by nabla's", async () => {
    // Not nabla's mean squared error: the mean absolute error, under that name.
    const mse = (yTrue: nb.Tensor, yPred: nb.Tensor) => nb.mean(nb.abs(nb.sub(yTrue, yPred)));
    const m = model();
    m.compile({ optimizer: 'sgd', loss: mse });
    const path = fresh();
    await saveModel(m, path);
    expect(compiledJson(path)).toMatchObject({ loss: 'mse', custom: ['mse'] });
    await expect(loadModel(path)).rejects.toThrow("its own loss function 'mse'");
    const loaded = await loadModel(path, { customObjects: { mse } });
    expect((await loaded.evaluate(x, y)).loss).toBe((await m.evaluate(x, y)).loss);
    m.dispose();
    loaded.dispose();
  });

  test("nabla's own losses and metrics, by any of their names, need nothing", async () => {
    const m = model();
    m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae', 'accuracy'] });
    const path = fresh();
    await saveModel(m, path);
    expect(compiledJson(path).custom).toBeUndefined();
    const loaded = await loadModel(path);
    expect(await loaded.evaluate(x, y)).toEqual(await m.evaluate(x, y));
    m.dispose();
    loaded.dispose();
  });

  test('several outputs: custom names per output resolve from customObjects', async () => {
    const inp = input({ shape: [3], name: 'x' });
    const out1 = new Dense(2, { name: 'first', kernelInitializer: new GlorotUniform({ seed: 4 }) }).apply(inp);
    const out2 = new Dense(2, { name: 'second', kernelInitializer: new GlorotUniform({ seed: 5 }) }).apply(inp);
    const m = new Model({ inputs: inp, outputs: [out1, out2] });
    m.compile({ optimizer: 'adam', loss: [cubedError, 'mse'], metrics: [[maxError], ['mae']] });
    const path = fresh();
    await saveModel(m, path);
    expect(compiledJson(path).custom).toEqual(['cubedError', 'maxError']);
    await expect(loadModel(path)).rejects.toThrow("'cubedError'");
    const loaded = await loadModel<(typeof out1)[]>(path, { customObjects: { cubedError, maxError } });
    expect(await loaded.evaluate(x, [y, y])).toEqual(await m.evaluate(x, [y, y]));
    m.dispose();
    loaded.dispose();
  });

  test('compile: false loads the architecture and weights alone, which predict as the original', async () => {
    const m = model();
    m.compile({ optimizer: 'adam', loss: cubedError });
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const path = fresh();
    await saveModel(m, path);
    const loaded = await loadModel(path, { compile: false });
    expect(loaded.compiled).toBeNull();
    expect(await loaded.predict(x).data()).toEqual(await m.predict(x).data());
    await expect(loaded.evaluate(x, y)).rejects.toThrow('the model must be compiled first');
    m.dispose();
    loaded.dispose();
  });

  test('an anonymous loss saves under the name "loss", which loads only from customObjects or uncompiled', async () => {
    const m = model();
    m.compile({ optimizer: 'adam', loss: (a: nb.Tensor, b: nb.Tensor) => nb.mean(nb.square(nb.sub(a, b))) });
    const path = fresh();
    await saveModel(m, path);
    await expect(loadModel(path)).rejects.toThrow("its own loss function 'loss'");
    await expect(loadModel(path, { compile: false })).resolves.toBeInstanceOf(Sequential);
    m.dispose();
  });

  test('weightedMetrics (custom ones too) and stepsPerExecution are saved with the compile settings', async () => {
    const m = model();
    m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'], weightedMetrics: ['mae', worstOutput], stepsPerExecution: 4 });
    const path = fresh();
    await saveModel(m, path);
    expect(compiledJson(path)).toMatchObject({ weightedMetrics: ['mae', 'worstOutput'], stepsPerExecution: 4, custom: ['worstOutput'] });
    await expect(loadModel(path)).rejects.toThrow("its own metric function 'worstOutput'");
    const loaded = await loadModel(path, { customObjects: { worstOutput } });
    expect(loaded.compiled?.stepsPerExecution).toBe(4);
    const sampleWeight = nb.randomUniform([16], { seed: 9 });
    const [a, b] = [await m.evaluate(x, y, { sampleWeight }), await loaded.evaluate(x, y, { sampleWeight })];
    expect(Object.keys(b)).toEqual(['loss', 'mae', 'weighted_mae', 'worstOutput']);
    expect(b).toEqual(a);
    m.dispose();
    loaded.dispose();
  });

  test('the options are checked', async () => {
    const m = model();
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const path = fresh();
    await saveModel(m, path);
    await expect(loadModel(path, { custom_objects: {} } as never)).rejects.toThrow("load: unknown option 'custom_objects'");
    await expect(loadModel(path, { compile: 'no' } as never)).rejects.toThrow("load: option 'compile' must be a boolean");
    await expect(loadModel(path, { customObjects: { cubedError: 'cubedError' } } as never)).rejects.toThrow(
      "load: option 'customObjects' maps names to loss and metric functions; 'cubedError' is 'cubedError' (string)",
    );
    m.dispose();
  });
});
