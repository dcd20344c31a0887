import '@nabla/backend-cpu';
import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { Adam, Dense, Dropout, loadModel, loadWeights, Sequential, saveModel } from '../index.js';

function trained() {
  const model = new Sequential([
    new Dense(8, { inputShape: [3], activation: 'relu', kernelRegularizer: 'l2' }),
    new Dropout(0.2),
    new Dense(2, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

const x = nb.randomNormal([20, 3], { seed: 1 });
const y = nb.cast(nb.greater(nb.sum(x, { axis: 1 }), 0), 'int32');

describe('save and load', () => {
  test('a loaded model predicts exactly as the saved one, and keeps its compile settings', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nabla-')), 'model');
    const model = trained();
    await model.fit(x, y, { epochs: 3, batchSize: 5, verbose: 0 });
    await model.save(dir);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.layers.map((l: { className: string }) => l.className)).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(json.compile.optimizer.className).toBe('Adam');

    const loaded = await loadModel(dir);
    expect(Array.from(await loaded.predict(x).data())).toEqual(Array.from(await model.predict(x).data()));
    expect(loaded.compiled?.loss.name).toBe('sparseCategoricalCrossentropy');
    const ev = await loaded.evaluate(x, y);
    expect(ev.accuracy).toBeCloseTo((await model.evaluate(x, y)).accuracy, 6);
    await loaded.fit(x, y, { epochs: 1, verbose: 0 }); // trainable after loading
  });

  test('saving over a model replaces it whole and leaves no temporary folders', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'nabla-'));
    const dir = join(parent, 'model');
    const a = trained();
    a.predict(x);
    await saveModel(a, dir);
    const b = trained();
    b.predict(x);
    await saveModel(b, dir);
    expect(readdirSync(parent)).toEqual(['model']);
    const loaded = await loadModel(dir);
    expect(Array.from(await loaded.predict(x).data())).toEqual(Array.from(await b.predict(x).data()));
  });

  test('a truncated or damaged file is a clear error; loadWeights changes nothing on a mismatch', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nabla-')), 'model');
    const model = trained();
    model.predict(x);
    await saveModel(model, dir);

    const other = new Sequential([new Dense(4, { inputShape: [3] }), new Dense(2)]);
    const before = await Promise.all(other.getWeights().map((w) => w.data()));
    await expect(loadWeights(other, dir)).rejects.toThrow(
      /load: weight 0 \(dense_\d+\/kernel\) has shape \[3,8\] in the file, but dense_\d+\/kernel in the model is \[3,4\]/,
    );
    const after = await Promise.all(other.getWeights().map((w) => w.data()));
    expect(after.map((a) => Array.from(a))).toEqual(before.map((b) => Array.from(b)));

    const size = readFileSync(join(dir, 'weights.bin')).length;
    truncateSync(join(dir, 'weights.bin'), size - 4);
    await expect(loadModel(dir)).rejects.toThrow(
      `weights.bin has ${size - 4} bytes, the manifest needs ${size} (truncated or mismatched files)`,
    );
    writeFileSync(join(dir, 'model.json'), '{"format": "nabla-model", "vers');
    await expect(loadModel(dir)).rejects.toThrow('model.json is not valid JSON (truncated or damaged?)');
    await expect(loadModel(join(dir, 'missing'))).rejects.toThrow(/load: cannot read a model from/);
  });

  test('an unbuilt model cannot be saved', async () => {
    await expect(saveModel(new Sequential([new Dense(2)]), join(tmpdir(), 'never'))).rejects.toThrow(/save: the model is not built yet/);
  });
});
