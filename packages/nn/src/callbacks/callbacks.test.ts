import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import {
  Callback,
  CustomCallback,
  Dense,
  EarlyStopping,
  LearningRateScheduler,
  type Logs,
  ProgbarLogger,
  ReduceLROnPlateau,
  Sequential,
  SGD,
  TerminateOnNaN,
} from '../index.js';

function linearData() {
  const x = nb.linspace(-1, 1, 40).reshape([40, 1]);
  return { x, y: nb.add(nb.mul(x, 2), 1) };
}

function model(lr = 0.1) {
  const m = new Sequential([new Dense(1, { inputDim: 1, kernelInitializer: 'zeros' })]);
  m.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'meanSquaredError' });
  return m;
}

/** Feeds fixed values to a callback's monitor, to test stopping rules without training. */
class Scripted extends Callback {
  constructor(private readonly values: number[]) {
    super();
  }
  override onEpochEnd(epoch: number, logs: Logs): void {
    logs.val_loss = this.values[epoch];
  }
}

describe('callbacks', () => {
  test('custom callbacks see every hook in order, with logs', async () => {
    const { x, y } = linearData();
    const seen: string[] = [];
    await model().fit(x, y, {
      epochs: 2,
      batchSize: 20,
      verbose: 0,
      callbacks: [
        new CustomCallback({
          onTrainBegin: () => {
            seen.push('train');
          },
          onEpochBegin: (e) => {
            seen.push(`epoch${e}`);
          },
          onBatchEnd: (b, logs) => {
            seen.push(`batch${b}:${Number.isFinite(logs.loss)}`);
          },
          onEpochEnd: (e, logs) => {
            seen.push(`end${e}:${'loss' in logs}`);
          },
          onTrainEnd: () => {
            seen.push('done');
          },
        }),
      ],
    });
    expect(seen).toEqual([
      'train',
      'epoch0',
      'batch0:true',
      'batch1:true',
      'end0:true',
      'epoch1',
      'batch0:true',
      'batch1:true',
      'end1:true',
      'done',
    ]);
  });

  test('EarlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const { x, y } = linearData();
    const m = model();
    const snapshots: number[] = [];
    const record = new CustomCallback({
      onEpochEnd: async () => {
        snapshots.push((await m.getWeights()[0].item()) as number);
      },
    });
    // val_loss: improves until epoch 2, then stalls: patience 2 stops at epoch 4.
    const stop = new EarlyStopping({ patience: 2, restoreBestWeights: true });
    const h = await m.fit(x, y, { epochs: 20, batchSize: 40, verbose: 0, callbacks: [record, new Scripted([5, 4, 3, 3.5, 3.2, 1]), stop] });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(stop.stoppedEpoch).toBe(4);
    expect(await m.getWeights()[0].item()).toBeCloseTo(snapshots[2], 6);
  });

  test('EarlyStopping names a monitor that is not logged', async () => {
    const { x, y } = linearData();
    await expect(model().fit(x, y, { epochs: 1, verbose: 0, callbacks: [new EarlyStopping({ monitor: 'val_acc' })] })).rejects.toThrow(
      "EarlyStopping: monitored quantity 'val_acc' is not in the logs; available: loss",
    );
  });

  test('TerminateOnNaN stops at the first NaN batch and says which', async () => {
    const { x, y } = linearData();
    const lines: string[] = [];
    const stopper = new TerminateOnNaN((l) => lines.push(l));
    // A huge learning rate makes SGD diverge to Infinity and then NaN within a few batches.
    const h = await model(1e6).fit(x, y, { epochs: 50, batchSize: 10, shuffle: false, verbose: 0, callbacks: [stopper] });
    expect(stopper.stoppedAt).not.toBeNull();
    expect(h.epoch.length).toBeLessThan(50);
    expect(lines[0]).toMatch(/^TerminateOnNaN: epoch \d+, batch \d+: loss is (NaN|Infinity), stopping training$/);
  });

  test('LearningRateScheduler sets the rate each epoch and logs it', async () => {
    const { x, y } = linearData();
    const m = model();
    const h = await m.fit(x, y, {
      epochs: 3,
      batchSize: 40,
      verbose: 0,
      callbacks: [new LearningRateScheduler((epoch) => 0.1 / (epoch + 1))],
    });
    expect(h.history.lr.map((v) => Number(v.toFixed(6)))).toEqual([0.1, 0.05, 0.033333]);
    expect(m.learningRate).toBeCloseTo(0.1 / 3, 9);
  });

  test('ReduceLROnPlateau divides the rate after a plateau', async () => {
    const { x, y } = linearData();
    const m = model();
    const h = await m.fit(x, y, {
      epochs: 6,
      batchSize: 40,
      verbose: 0,
      callbacks: [new Scripted([1, 1, 1, 1, 1, 1]), new ReduceLROnPlateau({ patience: 2, factor: 0.5 })],
    });
    // Best at epoch 0; two epochs without improvement (1, 2) halve it; then (3, 4) again.
    expect(h.history.lr).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025].map((v, i) => (i < 3 ? 0.1 : v)));
    expect(m.learningRate).toBeCloseTo(0.025, 9);
  });

  test('progress: a bar with ETA on a terminal, one line per epoch otherwise', async () => {
    const lines = async (isTTY: boolean) => {
      let out = '';
      const logger = new ProgbarLogger({ isTTY, write: (t: string) => (out += t) });
      logger.setParams({ epochs: 2, steps: 4, samples: 40, batchSize: 10, verbose: 1 });
      logger.onEpochBegin(0);
      for (let b = 0; b < 4; b++) logger.onBatchEnd(b, { loss: 0.5 });
      logger.onEpochEnd(0, { loss: 0.5, val_loss: 0.25 });
      return out;
    };
    const tty = await lines(true);
    expect(tty).toContain('Epoch 1/2\n');
    expect(tty).toMatch(/4\/4 \[==============================\] - \d+ms \d+ms\/step - loss: 0\.5000 - val_loss: 0\.2500/);
    const plain = await lines(false);
    expect(plain).toMatch(/^Epoch 1\/2 - 4\/4 - \d+ms - loss: 0\.5000 - val_loss: 0\.2500\n$/);
  });
});
