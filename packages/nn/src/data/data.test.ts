import '@nabla/backend-cpu';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { afterAll, describe, expect, test } from 'vitest';
import { Dense, data, Sequential } from '../index.js';
import { settledMemory } from '../test-utils/settled-memory.js';

const N = 48;
const BATCH = 8;

/** Data, and a fresh compiled model whose weights are always the same starting values. */
function setup() {
  const x = nb.keep(nb.randomUniform([N, 3], { seed: 5 }));
  const y = nb.keep(nb.sum(nb.mul(x, nb.tensor([1, -2, 0.5])), 1, true));
  const first = new Sequential([new Dense(4, { inputDim: 3, activation: 'tanh' }), new Dense(1)]);
  const start = first.snapshotWeights();
  const model = () => {
    const m = new Sequential([new Dense(4, { inputDim: 3, activation: 'tanh' }), new Dense(1)]);
    m.setWeights(start.map((t) => nb.keep(nb.add(t, 0))));
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['meanAbsoluteError'] });
    return m;
  };
  return { x, y, model };
}

/** The batches fit(x, y, { shuffle: false, batchSize: 8 }) trains on, as nested arrays. */
async function arrayBatches(x: nb.Tensor, y: nb.Tensor): Promise<[number[][], number[][]][]> {
  const [xs, ys] = [(await x.array()) as number[][], (await y.array()) as number[][]];
  const out: [number[][], number[][]][] = [];
  for (let i = 0; i < N; i += BATCH) out.push([xs.slice(i, i + BATCH), ys.slice(i, i + BATCH)]);
  return out;
}

async function weightsOf(m: Sequential): Promise<number[][]> {
  return Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));
}

describe('fit and evaluate on datasets, generators and async iterators', () => {
  test('the same batches give the same weights and logs as fit on arrays', async () => {
    const { x, y, model } = setup();
    const reference = model();
    const h0 = await reference.fit(x, y, { epochs: 2, batchSize: BATCH, shuffle: false, verbose: 0 });
    const expected = await weightsOf(reference);
    const batches = await arrayBatches(x, y);

    function* generator() {
      for (let e = 0; e < 2; e++) for (const [bx, by] of batches) yield { xs: nb.tensor(bx), ys: nb.tensor(by) };
    }
    async function* asyncGenerator() {
      for (let e = 0; e < 2; e++) for (const [bx, by] of batches) yield [bx, by] as [number[][], number[][]];
    }
    const sources: [string, () => Promise<unknown>][] = [
      ['a generator (stepsPerEpoch)', (m = model()) => m.fit(generator(), { epochs: 2, stepsPerEpoch: 6, verbose: 0 }).then(() => m)],
      ['an async generator', (m = model()) => m.fit(asyncGenerator(), { epochs: 2, stepsPerEpoch: 6, verbose: 0 }).then(() => m)],
      ['a dataset', (m = model()) => m.fit(data.fromArrays(x, y, { batchSize: BATCH }), { epochs: 2, verbose: 0 }).then(() => m)],
      ['a generator function', (m = model()) => m.fit(() => batches.values(), { epochs: 2, verbose: 0 }).then(() => m)],
      ['an array of batches (iterable)', (m = model()) => m.fit(new Set(batches), { epochs: 2, verbose: 0 }).then(() => m)],
      [
        "a TensorFlow.js dataset's iterator()",
        (m = model()) => m.fit({ iterator: async () => batches.values() }, { epochs: 2, verbose: 0 }).then(() => m),
      ],
    ];
    const before = (await settledMemory()).numTensors;
    for (const [what, run] of sources) {
      const m = (await run()) as Sequential;
      expect(await weightsOf(m), what).toEqual(expected);
      expect(m.compiled?.iterations, what).toBe(12);
      m.dispose();
    }
    // Every batch fit read was freed (and every model).
    expect((await settledMemory()).numTensors).toBe(before);

    // The logs agree too, and evaluate on a dataset is evaluate on the arrays.
    const m = model();
    const h1 = await m.fit(data.fromArrays(x, y, { batchSize: BATCH }), { epochs: 2, verbose: 0 });
    expect(h1.history.loss).toEqual(h0.history.loss);
    expect(h1.history.meanAbsoluteError).toEqual(h0.history.meanAbsoluteError);
    expect(await m.evaluate(data.fromArrays(x, y, { batchSize: BATCH }))).toEqual(await m.evaluate(x, y, { batchSize: BATCH }));
    expect(await m.evaluate(data.fromArrays(x, y, { batchSize: BATCH }), { steps: 2 })).toEqual(
      await m.evaluate(nb.slice(x, [0], [16]), nb.slice(y, [0], [16]), { batchSize: BATCH }),
    );
  });

  test("compile's stepsPerExecution: a dataset's batches of one size run together, as the arrays' do", async () => {
    const { x, y, model } = setup();
    const runs: number[][][] = [];
    for (const fromData of [false, true]) {
      const m = model();
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError', stepsPerExecution: 3 });
      // Batches of 10: 10, 10, 10 | 10 | 8 (an execution holds batches of one size).
      const events: string[] = [];
      const callbacks = {
        onBatchBegin: (b: number) => void events.push(`begin ${b}`),
        onBatchEnd: (b: number) => void events.push(`end ${b}`),
      };
      if (fromData) await m.fit(data.fromArrays(x, y, { batchSize: 10 }), { epochs: 2, verbose: 0, callbacks });
      else await m.fit(x, y, { epochs: 2, batchSize: 10, shuffle: false, verbose: 0, callbacks });
      // The batch hooks of one execution: all its begins, then its ends.
      expect(events.slice(0, 10)).toEqual([
        'begin 0',
        'begin 1',
        'begin 2',
        'end 0',
        'end 1',
        'end 2',
        'begin 3',
        'end 3',
        'begin 4',
        'end 4',
      ]);
      expect(m.compiled?.iterations).toBe(10);
      runs.push(await weightsOf(m));
      m.dispose();
    }
    expect(runs[1]).toEqual(runs[0]);
  });

  test('validation from a dataset, with validationSteps', async () => {
    const { x, y, model } = setup();
    const [vx, vy] = [nb.slice(x, [0], [16]), nb.slice(y, [0], [16])];
    const a = model();
    const ha = await a.fit(data.fromArrays(x, y, { batchSize: BATCH }), {
      epochs: 2,
      verbose: 0,
      validationData: data.fromArrays(x, y, { batchSize: BATCH }),
      validationSteps: 2,
    });
    const b = model();
    const hb = await b.fit(x, y, { epochs: 2, batchSize: BATCH, shuffle: false, verbose: 0, validationData: [vx, vy] });
    // Each evaluation starts the validation dataset again: its first two batches, both epochs.
    expect(ha.history.val_loss).toEqual(hb.history.val_loss);
    expect(ha.history.val_loss).toHaveLength(2);
  });

  test('the next batch is read while the current step runs', async () => {
    const { x, y, model } = setup();
    const batches = await arrayBatches(x, y);
    const events: string[] = [];
    function* generator() {
      for (const [i, b] of batches.entries()) {
        events.push(`read ${i}`);
        yield b;
      }
    }
    await model().fit(generator(), { verbose: 0, callbacks: { onBatchEnd: (b) => void events.push(`end ${b}`) } });
    // Batch 1 was read before batch 0's step ended, and so on.
    expect(events.indexOf('read 1')).toBeLessThan(events.indexOf('end 0'));
    expect(events.indexOf('read 5')).toBeLessThan(events.indexOf('end 4'));
    expect(events.filter((e) => e.startsWith('read'))).toHaveLength(6);
  });

  test('errors: a generator read out, array-only options, malformed batches, fromArrays options', async () => {
    const { x, y, model } = setup();
    const batches = await arrayBatches(x, y);
    const m = model();
    await expect(m.fit(batches.values(), { epochs: 2, verbose: 0 })).rejects.toThrow(
      /^fit: the data ran out after 6 batches, in epoch 2 with 0 batches read; a generator or iterator is read once/,
    );
    // The first epoch trained.
    expect(m.compiled?.iterations).toBe(6);
    await expect(m.fit(batches.values(), { epochs: 2, stepsPerEpoch: 4, verbose: 0 })).rejects.toThrow(
      /ran out after 6 batches, in epoch 2 with 2 batches read \(4 per epoch were asked for\)/,
    );
    await expect(m.fit(data.fromArrays(x, y), { batchSize: 8, verbose: 0 })).rejects.toThrow(
      'fit: batchSize applies to x and y given as tensors or arrays, not to a dataset',
    );
    await expect(m.fit(x, y, { stepsPerEpoch: 2, verbose: 0 })).rejects.toThrow(/^fit: stepsPerEpoch applies to a dataset/);
    await expect(m.fit([{ x: 1 }].values() as never, { verbose: 0 })).rejects.toThrow(/^fit: batch 0 must be \{ xs, ys \} or \[x, y\]/);
    await expect(m.fit([[[[1, 2, 3]], [[1], [2]]]].values() as never, { verbose: 0 })).rejects.toThrow(
      /batch 0's xs and ys must have the same, non-zero number of samples, got shapes \[1,3\] and \[2,1\]/,
    );
    await expect(m.fit([[[[1, 2]], [[1]]]].values() as never, { verbose: 0 })).rejects.toThrow(/^fit: expected x of shape \[null,3\]/);
    await expect(Reflect.apply(m.fit, m, [data.fromArrays(x, y), { verbose: 0 }, 'zz'])).rejects.toThrow(/fit: takes at most 2 arguments/);
    await expect(Reflect.apply(m.evaluate, m, [data.fromArrays(x, y), {}, 'zz'])).rejects.toThrow(/evaluate: takes at most 2 arguments/);
    await expect(m.evaluate(data.fromArrays(x, y), { batchSize: 4 })).rejects.toThrow(/^evaluate: batchSize applies to x and y/);
    await expect(m.evaluate(x, y, { steps: 4 })).rejects.toThrow(/^evaluate: steps applies to a dataset/);
    await expect(m.fit(data.fromArrays(x, y), { verbose: 0, bachSize: 4 } as never)).rejects.toThrow(/'bachSize'/);
    expect(() => data.fromArrays(x, y, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => data.fromArrays(x, y, { bachSize: 2 } as never)).toThrow(/'bachSize'/);
    expect(() => Reflect.apply(data.fromArrays, null, [x, y, {}, 'zz'])).toThrow(/takes at most 3 arguments/);
    expect(() => Reflect.apply(data.csv, null, ['a.csv', { label: 'y' }, 'zz'])).toThrow(/takes at most 2 arguments/);
    expect(() => data.csv('a.csv', { label: 'y', lable: 'y' } as never)).toThrow(/'lable'/);
  });

  test('fromArrays shuffles each pass, reproducibly by seed', async () => {
    const x = nb.tensor(Array.from({ length: 10 }, (_, i) => [i]));
    const firstColumn = async (ds: data.Dataset) => {
      const seen: number[] = [];
      for await (const b of ds) seen.push(...((await (b as { xs: nb.Tensor }).xs.data()) as Float32Array));
      return seen;
    };
    const ds = data.fromArrays(x, x, { batchSize: 4, shuffle: true, seed: 3 });
    const [p1, p2] = [await firstColumn(ds), await firstColumn(ds)];
    expect([...p1].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(p1).not.toEqual(p2);
    expect(await firstColumn(data.fromArrays(x, x, { batchSize: 4, shuffle: true, seed: 3 }))).toEqual(p1);
    expect(ds.size).toBe(3);

    // Arrays given are made into tensors the dataset holds until disposed; tensors given stay.
    const before = nb.memory().numTensors;
    const fromLists = data.fromArrays([[1], [2]], [[3], [4]]);
    expect(nb.memory().numTensors).toBe(before + 2);
    fromLists.dispose();
    ds.dispose();
    expect(nb.memory().numTensors).toBe(before);
    expect(x.isDisposed).toBe(false);
  });
});

describe('data.csv', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const file = async (text: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'nabla-csv-'));
    dirs.push(dir);
    const path = join(dir, 'data.csv');
    await writeFile(path, text);
    return path;
  };

  test('streams batches of the feature and label columns; fit on it equals fit on the arrays', async () => {
    const { x, y, model } = setup();
    const [xs, ys] = [(await x.array()) as number[][], (await y.array()) as number[][]];
    const lines = ['a,target,b,c', ...xs.map((r, i) => `${r[0]},${ys[i][0]},${r[1]},${r[2]}`)];
    const path = await file(`${lines.join('\r\n')}\n\n`);
    const ds = data.csv(path, { label: 'target', batchSize: BATCH });
    const read: number[][] = [];
    for await (const b of ds) {
      const [bx, by] = b as [number[][], number[][]];
      expect(bx.length).toBe(by.length);
      read.push(...bx.map((r, i) => [...r, by[i][0]]));
    }
    // Numbers round-trip through text exactly (JavaScript prints the shortest exact form).
    expect(read).toEqual(xs.map((r, i) => [...r, ys[i][0]]));

    const a = model();
    await a.fit(ds, { epochs: 2, verbose: 0 });
    const b = model();
    await b.fit(x, y, { epochs: 2, batchSize: BATCH, shuffle: false, verbose: 0 });
    const [wa, wb] = [await weightsOf(a), await weightsOf(b)];
    // The file holds float32 values printed as float64: the same numbers.
    expect(wa).toEqual(wb);

    // Chosen, reordered feature columns.
    const first = await data
      .csv(path, { label: 'target', features: ['c', 'a'], batchSize: 2 })
      [Symbol.asyncIterator]()
      .next();
    expect((first.value as number[][][])[0]).toEqual([
      [xs[0][2], xs[0][0]],
      [xs[1][2], xs[1][0]],
    ]);
  });

  test('errors name the file, the line and the column', async () => {
    const read = async (text: string, label = 'y') => {
      for await (const _ of data.csv(await file(text), { label })) {
        // reading only
      }
    };
    await expect(read('x,y\n1,2\n3,oops\n')).rejects.toThrow(/line 3, column 2: 'oops' is not a finite decimal number/);
    await expect(read('x,y\n1,2\n3\n')).rejects.toThrow(/line 3 has 1 fields, the header 2/);
    await expect(read('x,y\n1,2\n', 'label')).rejects.toThrow(/has no column 'label'; its columns: x, y/);
    await expect(read('x,y\n"1",2\n')).rejects.toThrow(/quoted fields are not supported/);
    await expect(read('')).rejects.toThrow(/is empty/);
    await expect(read('x,y\n1,2\n', 'nope')).rejects.toBeInstanceOf(nb.NablaError);
    // Only finite decimal numbers: Number() would read these as 16, 3, Infinity and Infinity.
    for (const cell of ['0x10', '0b11', 'Infinity', '1e400', 'NaN', '']) {
      await expect(read(`x,y\n1,2\n${cell},1\n`)).rejects.toThrow(`line 3, column 1: '${cell}' is not a finite decimal number`);
    }
    await expect(read('x,y\n-1.5e3, .5 \n')).resolves.toBeUndefined();
    // A file that cannot be opened is the op's error, naming the path.
    const missing = join(tmpdir(), 'nabla-csv-no-such-file.csv');
    await expect(
      (async () => {
        for await (const _ of data.csv(missing, { label: 'y' })) {
          // reading only
        }
      })(),
    ).rejects.toThrow(`data.csv: cannot read ${missing}: ENOENT`);
  });
});
