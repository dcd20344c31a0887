import '@nabla/backend-cpu';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { afterAll, describe, expect, test } from 'vitest';
import {
  BatchNormalization,
  Callback,
  CSVLogger,
  Dense,
  type Distributed,
  Dropout,
  EarlyStopping,
  type FitArgs,
  type History,
  type Logs,
  loadModel,
  localGroup,
  ModelCheckpoint,
  Sequential,
} from '../index.js';
import { NO_FLOAT64_DTYPES, NoFloat64Backend } from '../test-utils/no-float64-backend.js';

/**
 * Data-parallel fit, ranks in one process (localGroup): the same losses and weights as one
 * process training on the same global batches.
 */

const N = 103; // 103 = 6 * 16 + 7: every epoch ends with an uneven batch, split unevenly.
const FEATURES = 20;
const CLASSES = 10;

/** Synthetic MNIST-like data: [n, 20] features from a fixed formula, 10 classes that depend on them. */
function dataset(n = N, phase = 0) {
  const xs = new Float32Array(n * FEATURES);
  for (let i = 0; i < xs.length; i++) xs[i] = Math.sin(0.37 * i + phase) + 0.3 * Math.cos(1.7 * i);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < FEATURES; j++) s += xs[i * FEATURES + j] * (j % 3 === 0 ? 1 : -0.5);
    ys[i] = Math.abs(Math.floor(s * 3)) % CLASSES;
  }
  return { x: nb.tensor(xs, [n, FEATURES]), y: nb.tensor(ys, [n]) };
}
const { x, y } = dataset();
const val = dataset(37, 1.1);

/** The MNIST MLP's shape, smaller: Dense-relu, Dense-softmax; Adam, cross-entropy, accuracy. */
function mlp(): Sequential {
  const m = new Sequential([new Dense(32, { inputDim: FEATURES, activation: 'relu' }), new Dense(CLASSES, { activation: 'softmax' })]);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

type Model = Sequential;
const read = (m: Model) => Promise.all(m.weights.map((w) => w.value.data()));

/** One process on the same global batches, from the given weights. */
async function single(make: () => Model, initial: nb.TypedArray[], args: FitArgs) {
  const m = make();
  m.setWeights(m.weights.map((w, i) => nb.tensor(initial[i].slice(), w.shape, w.value.dtype)));
  const history = await m.fit(x, y, { verbose: 0, ...args });
  return { history, weights: await read(m), model: m };
}

/** `worldSize` ranks, each its own model (different initial weights, which rank 0's replace). */
async function ranks(worldSize: number, make: () => Model, args: FitArgs | ((rank: number) => FitArgs)) {
  const group = localGroup(worldSize, { timeoutMs: 20_000 });
  const models = group.map(() => make());
  const initial = await read(models[0]);
  const results = await Promise.allSettled(
    models.map((m, r) => m.fit(x, y, { verbose: 0, ...(typeof args === 'function' ? args(r) : args), distributed: group[r] })),
  );
  return { models, initial, results, group };
}

async function fulfilled(worldSize: number, make: () => Model, args: FitArgs | ((rank: number) => FitArgs)) {
  const r = await ranks(worldSize, make, args);
  const histories = r.results.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  });
  return { ...r, histories, weights: await Promise.all(r.models.map(read)) };
}

/** The largest |a - b| over every weight. */
function maxDiff(a: nb.TypedArray[], b: nb.TypedArray[]): number {
  let d = 0;
  a.forEach((t, i) => {
    for (let j = 0; j < t.length; j++) d = Math.max(d, Math.abs(t[j] - b[i][j]));
  });
  return d;
}

/** Every logged value of two histories within `tol` relative to its size (at least 1). */
function closeHistories(a: History, b: History, tol: number) {
  expect(Object.keys(a.history).sort()).toEqual(Object.keys(b.history).sort());
  for (const k of Object.keys(a.history)) {
    a.history[k].forEach((v, i) => {
      expect(Math.abs(v - b.history[k][i]), `${k}[${i}]: ${v} vs ${b.history[k][i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(v)));
    });
  }
}

// float32 sums in another order: each step's gradient differs from one process's in its last
// bits, and Adam carries the difference on. Measured over these 21 steps with 2 and 4 ranks: at
// most 4.5e-8 on weights and 1.4e-7 on logs; the bound leaves 20x room for another CPU's rounding.
const TOL = 1e-6;
const ARGS: FitArgs = { epochs: 3, batchSize: 16, seed: 7, validationData: [val.x, val.y] };

describe('data-parallel fit against one process', () => {
  test('one rank is the single-process fit bit for bit: losses, metrics, validation, weights', async () => {
    const r = await fulfilled(1, mlp, ARGS);
    const s = await single(mlp, r.initial, ARGS);
    expect(r.histories[0].history).toEqual(s.history.history);
    expect(r.weights[0]).toEqual(s.weights);
    expect(s.history.history.val_loss).toHaveLength(3);
  });

  test('one rank with sample weights and weighted metrics is bit for bit too', async () => {
    const make = () => {
      const m = mlp();
      m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], weightedMetrics: ['accuracy'] });
      return m;
    };
    const sampleWeight = nb.tensor(Array.from({ length: N }, (_, i) => 0.5 + (i % 4)));
    const args: FitArgs = { epochs: 2, batchSize: 16, sampleWeight };
    const r = await fulfilled(1, make, args);
    const s = await single(make, r.initial, args);
    expect(r.histories[0].history).toEqual(s.history.history);
    expect(r.weights[0]).toEqual(s.weights);
  });

  for (const worldSize of [2, 4]) {
    test(`${worldSize} ranks: the same losses and weights as one process on the same global batches, within ${TOL}; every rank equal`, async () => {
      const r = await fulfilled(worldSize, mlp, ARGS);
      const s = await single(mlp, r.initial, ARGS);
      for (let k = 1; k < worldSize; k++) {
        // The same reduced values and the same update program: identical on every rank.
        expect(r.weights[k]).toEqual(r.weights[0]);
        expect(r.histories[k].history).toEqual(r.histories[0].history);
      }
      expect(maxDiff(r.weights[0], s.weights)).toBeLessThanOrEqual(TOL);
      closeHistories(r.histories[0], s.history, TOL);
      // Not trivially equal: training moved the weights.
      expect(maxDiff(r.weights[0], r.initial)).toBeGreaterThan(1e-2);
    });
  }

  test('weighted metrics with sample weights on 3 ranks: the global batches’ weighted means', async () => {
    const make = () => {
      const m = mlp();
      m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', weightedMetrics: ['accuracy'] });
      return m;
    };
    const sampleWeight = nb.tensor(Array.from({ length: N }, (_, i) => (i % 5 === 0 ? 0 : 1 + (i % 3))));
    const args: FitArgs = { epochs: 2, batchSize: 10, sampleWeight };
    const r = await fulfilled(3, make, args);
    const s = await single(make, r.initial, args);
    closeHistories(r.histories[0], s.history, TOL);
    expect(maxDiff(r.weights[0], s.weights)).toBeLessThanOrEqual(TOL);
  });

  test('a last batch smaller than the number of ranks leaves some ranks without samples, and still matches', async () => {
    // 103 samples in batches of 20: the last has 3, for 4 ranks.
    const args: FitArgs = { epochs: 2, batchSize: 20, seed: 3 };
    const r = await fulfilled(4, mlp, args);
    const s = await single(mlp, r.initial, args);
    expect(maxDiff(r.weights[3], s.weights)).toBeLessThanOrEqual(TOL);
    closeHistories(r.histories[3], s.history, TOL);
  });
});

/**
 * WebGPU's and onnxruntime-web's kind of backend: no float64, and every input copied per run
 * (so shards are gathered on the host, see HostRows).
 */
class CopyingNoFloat64 extends NoFloat64Backend {
  override readonly capabilities = { dtypes: NO_FLOAT64_DTYPES, sync: true, copiesInputsPerRun: true };
}
nb.registerBackend('cpu-copying-no-f64', () => new CopyingNoFloat64('cpu-copying-no-f64'));

test('on a backend without float64 whose runs copy their inputs, 2 ranks give the CPU backend’s results bit for bit', async () => {
  const run = async (backend: string) => {
    nb.setBackend(backend);
    try {
      const train = dataset();
      const v = dataset(37, 1.1);
      const sampleWeight = nb.tensor(Array.from({ length: N }, (_, i) => 0.5 + (i % 3)));
      const make = () => {
        const m = new Sequential([
          new Dense(16, { inputDim: FEATURES, activation: 'relu' }),
          new BatchNormalization(),
          new Dense(CLASSES, { activation: 'softmax' }),
        ]);
        m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', weightedMetrics: ['accuracy'] });
        m.setWeights(
          m.weights.map((w, k) =>
            nb.tensor(
              Array.from({ length: w.value.size }, (_, i) => 0.3 * Math.sin(i + 2 * k) + (w.name.includes('Variance') ? 1 : 0)),
              w.shape,
            ),
          ),
        );
        return m;
      };
      const group = localGroup(2, { timeoutMs: 20_000 });
      const models = [make(), make()];
      const args: FitArgs = { epochs: 2, batchSize: 16, verbose: 0, sampleWeight, validationData: [v.x, v.y], accumulateSteps: 2 };
      const histories = await Promise.all(models.map((m, r) => m.fit(train.x, train.y, { ...args, distributed: group[r] })));
      return { logs: histories[0].history, weights: await read(models[1]) };
    } finally {
      nb.setBackend('cpu');
    }
  };
  const onCpu = await run('cpu');
  expect(await run('cpu-copying-no-f64')).toEqual(onCpu);
  expect(onCpu.logs.val_loss).toHaveLength(2);
});

describe('BatchNormalization with ranks', () => {
  const bnModel = () => {
    const m = new Sequential([
      new BatchNormalization({ inputShape: [FEATURES], momentum: 0.5 }),
      new Dense(CLASSES, { activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    return m;
  };

  test("the moving statistics are the shards' updated statistics averaged by their samples", async () => {
    // One batch of 7 (shards of 4 and 3), no shuffle: the expectation is each shard trained alone.
    const x7 = nb.slice(x, [0, 0], [7, FEATURES]);
    const y7 = nb.slice(y, [0], [7]);
    const group = localGroup(2, { timeoutMs: 20_000 });
    const models = group.map(() => bnModel());
    const initial = await read(models[0]);
    await Promise.all(models.map((m, r) => m.fit(x7, y7, { batchSize: 7, shuffle: false, verbose: 0, distributed: group[r] })));
    const alone = async (from: number, size: number) => {
      const m = bnModel();
      m.setWeights(m.weights.map((w, i) => nb.tensor(initial[i].slice(), w.shape)));
      await m.fit(nb.slice(x7, [from, 0], [size, FEATURES]), nb.slice(y7, [from], [size]), { batchSize: size, verbose: 0 });
      return m;
    };
    const [a, b] = [await alone(0, 4), await alone(4, 3)];
    const moving = (m: Model) => m.weights.filter((w) => w.name.includes('moving'));
    expect(moving(models[0]).map((w) => w.name.split('/')[1])).toEqual(['movingMean', 'movingVariance']);
    for (const [k, w] of moving(models[0]).entries()) {
      const [got, fromA, fromB] = await Promise.all([w.value.data(), moving(a)[k].value.data(), moving(b)[k].value.data()]);
      const first = await moving(models[1])[k].value.data();
      expect(first).toEqual(got);
      for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo((4 / 7) * fromA[i] + (3 / 7) * fromB[i], 6);
      // Not the initial statistics: they moved.
      expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - initial[2 + k][i])))).toBeGreaterThan(1e-3);
    }
  });

  test('one rank with BatchNormalization and Dropout is the single-process fit bit for bit', async () => {
    const make = () => {
      const m = new Sequential([
        new Dense(16, { inputDim: FEATURES, activation: 'relu' }),
        new BatchNormalization(),
        new Dropout(0.3),
        new Dense(CLASSES, { activation: 'softmax' }),
      ]);
      m.compile({ optimizer: 'rmsprop', loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const args: FitArgs = { epochs: 2, batchSize: 16 };
    const r = await fulfilled(1, make, args);
    const s = await single(make, r.initial, args);
    expect(r.histories[0].history).toEqual(s.history.history);
    expect(r.weights[0]).toEqual(s.weights);
  });
});

describe('gradient accumulation', () => {
  test('accumulateSteps k with batchSize b trains as batchSize k*b, in one process', async () => {
    const m = mlp();
    const initial = await read(m);
    const acc = await single(mlp, initial, { epochs: 2, batchSize: 8, accumulateSteps: 4, seed: 5 });
    const big = await single(mlp, initial, { epochs: 2, batchSize: 32, seed: 5 });
    expect(maxDiff(acc.weights, big.weights)).toBeLessThanOrEqual(TOL);
    closeHistories(acc.history, big.history, TOL);
    // One update per 4 batches: 103 samples are 13 batches of 8, so 4 updates per epoch.
    expect(acc.model.compiled?.iterations).toBe(8);
    expect(big.model.compiled?.iterations).toBe(8);
  });

  test('with 2 ranks, accumulateSteps 3 of global batches of 10 trains as one process with batches of 30', async () => {
    const r = await fulfilled(2, mlp, { epochs: 2, batchSize: 10, accumulateSteps: 3, seed: 2 });
    const big = await single(mlp, r.initial, { epochs: 2, batchSize: 30, seed: 2 });
    expect(r.weights[1]).toEqual(r.weights[0]);
    expect(maxDiff(r.weights[0], big.weights)).toBeLessThanOrEqual(TOL);
    closeHistories(r.histories[0], big.history, TOL);
  });

  test('batch callbacks run once per batch, after the update that holds it', async () => {
    const seen: number[] = [];
    await single(mlp, await read(mlp()), {
      epochs: 1,
      batchSize: 20,
      accumulateSteps: 2,
      callbacks: { onBatchEnd: (b) => void seen.push(b) },
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('callbacks with ranks', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('rank 0 alone runs the writing callbacks; every rank runs the others, with the same logs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nabla-parallel-'));
    dirs.push(dir);
    const logs: Logs[][] = [[], []];
    const writes: number[] = [];
    class Writer extends Callback {
      override get rankZeroOnly() {
        return true;
      }
      override onEpochEnd() {
        writes.push(this.params.rank as number);
      }
    }
    const r = await fulfilled(2, mlp, {
      epochs: 2,
      batchSize: 16,
      verbose: 0,
      callbacks: [new CSVLogger(join(dir, 'log.csv')), new Writer(), { onEpochEnd: (_e, l) => void logs[0].push({ ...l }) }],
    });
    expect(r.histories[1].history).toEqual(r.histories[0].history);
    expect(writes).toEqual([0, 0]);
    const csv = await readFile(join(dir, 'log.csv'), 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(3);
    // Both ranks ran the plain hook: four epoch ends, two by two equal.
    expect(logs[0]).toHaveLength(4);
    expect(logs[0][1]).toEqual(logs[0][0]);
  });

  test('a callback on rank 1 writing a file per rank: rank 1 never runs it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nabla-parallel-'));
    dirs.push(dir);
    await fulfilled(2, mlp, { epochs: 1, batchSize: 16, callbacks: [new CSVLogger(join(dir, 'log.csv'))] });
    await expect(stat(join(dir, 'log.csv'))).resolves.toBeDefined();
    const group = localGroup(2, { timeoutMs: 20_000 });
    const [m0, m1] = [mlp(), mlp()];
    await Promise.all([
      m0.fit(x, y, { epochs: 1, verbose: 0, distributed: group[0] }),
      m1.fit(x, y, { epochs: 1, verbose: 0, distributed: group[1], callbacks: new CSVLogger(join(dir, 'rank1.csv')) }),
    ]);
    await expect(stat(join(dir, 'rank1.csv'))).rejects.toThrow(/ENOENT/);
  });

  test('EarlyStopping stops every rank after the same epoch, the one where one process stops', async () => {
    const args = (): FitArgs => ({
      epochs: 30,
      batchSize: 16,
      validationData: [val.x, val.y],
      callbacks: new EarlyStopping({ monitor: 'val_loss', minDelta: 0.02, patience: 2 }),
    });
    // A callback per rank, as each process has its own (one instance would count each epoch twice here).
    const r = await fulfilled(2, mlp, () => args());
    const s = await single(mlp, r.initial, args());
    const epochs = s.history.history.loss.length;
    expect(epochs).toBeGreaterThan(2);
    expect(epochs).toBeLessThan(30);
    expect(r.histories[0].history.loss).toHaveLength(epochs);
    expect(r.histories[1].history).toEqual(r.histories[0].history);
  });

  test('a stop asked on one rank only (a batch callback) stops every rank after that batch, as one process would', async () => {
    class StopAfter extends Callback {
      constructor(private readonly at: number) {
        super();
      }
      override onBatchEnd(batch: number) {
        if (batch === this.at) this.model.stopTraining = true;
      }
    }
    const r = await ranks(2, mlp, (rank) => ({ epochs: 3, batchSize: 16, callbacks: new StopAfter(rank === 1 ? 2 : -1) }));
    const [h0, h1] = r.results.map((s) => (s.status === 'fulfilled' ? s.value : Promise.reject(s.reason))) as History[];
    expect(h0.history.loss).toHaveLength(1);
    expect(h1.history).toEqual(h0.history);
    // Three batches, as one process stopping after batch 2 (Adam: one iteration per batch).
    expect(r.models[0].compiled?.iterations).toBe(3);
    expect(r.models[1].compiled?.iterations).toBe(3);
    const s = await single(mlp, r.initial, { epochs: 3, batchSize: 16, callbacks: new StopAfter(2) });
    expect(maxDiff(await read(r.models[0]), s.weights)).toBeLessThanOrEqual(TOL);
  });
});

describe('resuming from a checkpoint with ranks', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** 2 ranks train 2 of 4 epochs from `initial`, rank 0 saving a checkpoint per epoch; returns its folder. */
  async function interrupted(initial: nb.TypedArray[]): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'nabla-parallel-'));
    dirs.push(dir);
    const group = localGroup(2, { timeoutMs: 20_000 });
    const models = [mlp(), mlp()];
    models[0].setWeights(models[0].weights.map((w, i) => nb.tensor(initial[i].slice(), w.shape)));
    const callbacks = () => [new ModelCheckpoint({ filepath: join(dir, 'epoch-{epoch}') })];
    await Promise.all(models.map((m, r) => m.fit(x, y, { ...ARGS, verbose: 0, epochs: 2, distributed: group[r], callbacks: callbacks() })));
    return join(dir, 'epoch-2');
  }

  test(`every rank loads the same checkpoint, optimizer state included: the job goes on as the uninterrupted one, within ${TOL}`, async () => {
    const whole = await fulfilled(2, mlp, { ...ARGS, epochs: 4 });
    const checkpoint = await interrupted(whole.initial);
    // The job restarts: a new group, every rank loading the checkpoint rank 0 saved.
    const group = localGroup(2, { timeoutMs: 20_000 });
    const models = await Promise.all([0, 1].map(() => loadModel(checkpoint)));
    expect(models.map((m) => m.compiled?.iterations)).toEqual([14, 14]);
    const histories = await Promise.all(
      models.map((m, r) => m.fit(x, y, { ...ARGS, verbose: 0, epochs: 4, initialEpoch: 2, distributed: group[r] })),
    );
    const weights = await Promise.all(models.map((m) => read(m as Sequential)));
    expect(weights[1]).toEqual(weights[0]);
    expect(histories[1].history).toEqual(histories[0].history);
    expect(models[0].compiled?.iterations).toBe(28);
    // Two ranks both times, so the same sums in the same order: measured 0 here.
    expect(maxDiff(weights[0], whole.weights[0])).toBeLessThanOrEqual(TOL);
    const rest = { history: Object.fromEntries(Object.entries(whole.histories[0].history).map(([k, v]) => [k, v.slice(2)])) };
    closeHistories(histories[0], rest as History, TOL);
  });

  test('a rank that did not load it (only rank 0 did) is refused on every rank, naming the step counter', async () => {
    const checkpoint = await interrupted(await read(mlp()));
    const group = localGroup(2, { timeoutMs: 20_000 });
    const models = [await loadModel(checkpoint), mlp()];
    const results = await Promise.allSettled(
      models.map((m, r) => m.fit(x, y, { ...ARGS, verbose: 0, epochs: 4, initialEpoch: 2, distributed: group[r] })),
    );
    for (const [r, s] of results.entries()) {
      expect(String((s as PromiseRejectedResult).reason)).toMatch(
        new RegExp(
          `the 2 ranks disagree on optimizer iterations \\(rank ${r} has ${r === 0 ? 14 : 0}\\);.*every rank loads the same one with loadModel`,
        ),
      );
    }
  });
});

describe('failures end every rank, without a hang', () => {
  test("a rank whose callback throws rejects with its error; the others with the group's, naming it", async () => {
    const boom = new Error('boom on rank 1');
    const r = await ranks(3, mlp, (rank) => ({
      epochs: 2,
      batchSize: 16,
      callbacks: { onBatchEnd: (b) => (rank === 1 && b === 3 ? Promise.reject(boom) : undefined) },
    }));
    expect(r.results[1]).toEqual({ status: 'rejected', reason: boom });
    for (const k of [0, 2]) {
      expect(r.results[k].status).toBe('rejected');
      expect(String((r.results[k] as PromiseRejectedResult).reason)).toMatch(/rank 1 gave up: boom on rank 1/);
    }
  });

  test('a dead rank (its collectives reject) makes fit reject with that error on the ranks left', async () => {
    const group = localGroup(3, { timeoutMs: 20_000 });
    const models = [mlp(), mlp()];
    const running = models.map((m, r) => m.fit(x, y, { epochs: 50, batchSize: 16, verbose: 0, distributed: group[r] }));
    // Rank 2 never trains: it dies once the others are waiting for it.
    setTimeout(() => group[2].abort(new Error('rank 2 was killed')), 50);
    for (const p of running) await expect(p).rejects.toThrow('localGroup: rank 2 gave up: rank 2 was killed');
  });

  test('a transport error is passed on as it is', async () => {
    const lost = new Error('connection to rank 1 lost');
    let calls = 0;
    const flaky: Distributed = {
      rank: 0,
      worldSize: 1,
      allReduceSum: async () => {
        if (++calls === 4) throw lost;
      },
      broadcast: async () => {},
      abort: () => {
        throw new Error('abort must not be called for a collective’s own error');
      },
    };
    await expect(mlp().fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, distributed: flaky })).rejects.toBe(lost);
  });

  test("a rank's aborted signal ends every rank: AbortError there, an error naming it elsewhere", async () => {
    const controller = new AbortController();
    const r = await ranks(2, mlp, (rank) => ({
      epochs: 3,
      batchSize: 16,
      signal: rank === 0 ? controller.signal : undefined,
      callbacks: { onBatchEnd: (b) => (rank === 0 && b === 1 ? controller.abort() : undefined) },
    }));
    const [e0, e1] = r.results.map((s) => (s as PromiseRejectedResult).reason);
    expect(e0.name).toBe('AbortError');
    expect(String(e1)).toMatch(/another rank's signal aborted the run/);
    expect(r.models[0].compiled?.iterations).toBe(2);
    expect(r.models[1].compiled?.iterations).toBe(2);
  });

  test('ranks that disagree on an option are told so on every rank before any weight moves', async () => {
    const r = await ranks(2, mlp, (rank) => ({ epochs: 1, batchSize: rank === 0 ? 16 : 32 }));
    for (const s of r.results) {
      expect(s.status).toBe('rejected');
      expect(String((s as PromiseRejectedResult).reason)).toMatch(/the 2 ranks disagree on batchSize \(rank \d has (16|32)\)/);
    }
  });

  test('two processes claiming one rank are an error on both', async () => {
    const group = localGroup(2, { timeoutMs: 20_000 });
    const twin: Distributed = { ...group[1], rank: 0 };
    const results = await Promise.allSettled([
      mlp().fit(x, y, { verbose: 0, distributed: group[0] }),
      mlp().fit(x, y, { verbose: 0, distributed: twin }),
    ]);
    for (const s of results) expect(String((s as PromiseRejectedResult).reason)).toMatch(/rank 0 of 2 is held by 2 processes/);
  });
});

describe('what data-parallel fit refuses, clearly', () => {
  const one = () => localGroup(1)[0];
  /** A softmax regression whose weights are float64. */
  const wide64 = () => {
    const m = new Sequential([new Dense(CLASSES, { inputDim: FEATURES, activation: 'softmax' })]);
    m.setWeights(m.weights.map((w) => nb.cast(w.value, 'float64')));
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    return m;
  };

  test('a malformed distributed option', async () => {
    await expect(mlp().fit(x, y, { distributed: { rank: 0 } as never })).rejects.toThrow(
      /fit: option 'distributed' must be a Distributed \(its allReduceSum is undefined/,
    );
    const bad = { ...one(), rank: 2 };
    await expect(mlp().fit(x, y, { distributed: bad })).rejects.toThrow(/its rank is 2 \(number\), not an integer in \[0, 0\]/);
    await expect(mlp().fit(x, y, { accumulateSteps: 0 })).rejects.toThrow(/accumulateSteps' must be a positive integer/);
  });

  test('float64 weights, stepsPerExecution, a dataset', async () => {
    const wide = wide64();
    await expect(wide.fit(nb.cast(x, 'float64'), y, { verbose: 0, distributed: one() })).rejects.toThrow(
      /distributed training reduces and broadcasts float32 values; weight '.*kernel' is float64/,
    );
    const m = mlp();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', stepsPerExecution: 4 });
    await expect(m.fit(x, y, { verbose: 0, distributed: one() })).rejects.toThrow(/compile with stepsPerExecution 1 \(it is 4\)/);
    await expect(m.fit(x, y, { verbose: 0, accumulateSteps: 2 })).rejects.toThrow(/fit: accumulateSteps runs one gradient step/);
    const batchesOf = function* () {
      yield { xs: nb.slice(x, [0, 0], [8, FEATURES]), ys: nb.slice(y, [0], [8]) };
    };
    await expect(mlp().fit(batchesOf, { verbose: 0, distributed: one() })).rejects.toThrow(
      /distributed training takes x and y as tensors or arrays .* a dataset or generator is not supported/,
    );
  });

  test('float64 weights train with accumulateSteps in one process, as the larger batch', async () => {
    const make = wide64;
    const m = make();
    const initial = await read(m);
    const x64 = nb.cast(x, 'float64');
    const run = async (args: FitArgs) => {
      const n = make();
      n.setWeights(n.weights.map((w, i) => nb.tensor(initial[i].slice(), w.shape, 'float64')));
      await n.fit(x64, y, { verbose: 0, ...args });
      return read(n);
    };
    expect(maxDiff(await run({ batchSize: 10, accumulateSteps: 3 }), await run({ batchSize: 30 }))).toBeLessThan(1e-12);
  });
});
