import '@nabla/backend-cpu';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { afterAll, describe, expect, test } from 'vitest';
import { CSVLogger, Dense, loadModel, ModelCheckpoint, Sequential } from '../index.js';
import { formatFilepath } from './model-checkpoint.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nabla-callbacks-'));
  dirs.push(dir);
  return dir;
}

function problem() {
  const x = nb.randomUniform([32, 2], { seed: 9 });
  const y = nb.sum(x, 1, true);
  const model = new Sequential([new Dense(1, { inputDim: 2 })]);
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return { x, y, model };
}

describe('ModelCheckpoint', () => {
  test("formats the filepath as Keras's: {epoch} from 1, {epoch:02d}, {val_loss:.2f}", () => {
    expect(formatFilepath('ckpt-{epoch:02d}-{val_loss:.2f}', 2, { val_loss: 0.123456 })).toBe('ckpt-03-0.12');
    expect(formatFilepath('m/{epoch}', 9, {})).toBe('m/10');
    expect(() => formatFilepath('m-{acc}', 0, { loss: 1 })).toThrow(
      "filepath 'm-{acc}' names 'acc', not in the logs; available: epoch, loss",
    );
    expect(() => formatFilepath('m-{loss:e}', 0, { loss: 1 })).toThrow(/unsupported format '\{loss:e\}'/);
  });

  test('saveBestOnly saves only the epochs that improve the monitored value (min and max modes)', async () => {
    const saved: string[] = [];
    const model = { save: async (p: string) => void saved.push(p) };
    const min = new ModelCheckpoint({ filepath: 'ckpt-{epoch}', saveBestOnly: true });
    min.setModel(model as never);
    await min.onTrainBegin();
    for (const [e, v] of [1, 2, 0.5, 0.5, 0.7, 0.4].entries()) await min.onEpochEnd(e, { val_loss: v });
    expect(saved).toEqual(['ckpt-1', 'ckpt-3', 'ckpt-6']);
    expect(min.best).toBe(0.4);

    saved.length = 0;
    const max = new ModelCheckpoint({ filepath: 'acc-{epoch}', monitor: 'val_accuracy', saveBestOnly: true });
    max.setModel(model as never);
    await max.onTrainBegin();
    for (const [e, v] of [0.5, 0.4, 0.8].entries()) await max.onEpochEnd(e, { val_accuracy: v });
    expect(saved).toEqual(['acc-1', 'acc-3']);
    await expect(max.onEpochEnd(3, { loss: 1 })).rejects.toThrow("ModelCheckpoint: monitored quantity 'val_accuracy' is not in the logs");
    expect(() => new ModelCheckpoint({ filepath: '' })).toThrow(/filepath .* is required/);
    expect(() => new ModelCheckpoint({ filepath: 'a', mode: 'best' as never })).toThrow(/mode must be/);
  });

  test('in fit: saves a loadable model per epoch; the best-only copy is the best epoch', async () => {
    const dir = await tempDir();
    const { x, y, model } = problem();
    const every = new ModelCheckpoint({ filepath: join(dir, 'epoch-{epoch:02d}') });
    const best = new ModelCheckpoint({ filepath: join(dir, 'best'), monitor: 'loss', saveBestOnly: true });
    const h = await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: [every, best] });
    expect((await readdir(dir)).sort()).toEqual(['best', 'epoch-01', 'epoch-02', 'epoch-03']);
    // SGD on this problem improves every epoch: the best is the last, the model as it is now.
    expect(h.history.loss[2]).toBeLessThan(h.history.loss[1]);
    const loaded = await loadModel(join(dir, 'best'));
    const [a, b] = [await loaded.predict(x).data(), await model.predict(x).data()];
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('CSVLogger', () => {
  test('writes a header and a line per epoch; append adds lines without a second header', async () => {
    const dir = await tempDir();
    const path = join(dir, 'log.csv');
    await writeFile(path, 'stale content\n');
    const { x, y, model } = problem();
    const h = await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, validationSplit: 0.25, callbacks: [new CSVLogger(path)] });
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('epoch,loss,val_loss');
    expect(lines.slice(1).map((l) => l.split(',').map(Number))).toEqual(
      [0, 1, 2].map((e) => [e, h.history.loss[e], h.history.val_loss[e]]),
    );

    const h2 = await model.fit(x, y, {
      epochs: 2,
      batchSize: 8,
      verbose: 0,
      callbacks: [new CSVLogger(path, { append: true, separator: ';' })],
    });
    const all = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(all).toHaveLength(6);
    expect(all.slice(4)).toEqual([`0;${h2.history.loss[0]}`, `1;${h2.history.loss[1]}`]);
  });
});

describe('callbacks as plain objects', () => {
  test("{ onEpochEnd } and the other hooks are called, as TensorFlow.js's", async () => {
    const { x, y, model } = problem();
    const calls: string[] = [];
    await model.fit(x, y, {
      epochs: 2,
      batchSize: 16,
      verbose: 0,
      callbacks: {
        onTrainBegin: () => void calls.push('train'),
        onEpochEnd: async (epoch, logs) => {
          await new Promise((r) => setTimeout(r, 1));
          calls.push(`epoch ${epoch} ${typeof logs?.loss}`);
        },
        onBatchEnd: (batch) => void calls.push(`batch ${batch}`),
      },
    });
    expect(calls).toEqual(['train', 'batch 0', 'batch 1', 'epoch 0 number', 'batch 0', 'batch 1', 'epoch 1 number']);
  });
});
