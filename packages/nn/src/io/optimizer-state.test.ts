import '@nabla/backend-cpu';
import { cpSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpuBackend } from '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { afterAll, describe, expect, test } from 'vitest';
import { loadModel, loadWeights, ModelCheckpoint } from '../index.js';
import {
  data,
  FIT,
  firstPart,
  initialWeights,
  make,
  OPTIMIZERS,
  read,
  removeFolders,
  resume,
  SPLIT,
  tmp,
  uninterrupted,
} from '../test-utils/resume-run.js';
import { crc32 } from './checksum.js';

/** A model saved mid-run, loaded and fit on with `initialEpoch` continues the run: optimizer state included. */

/** The CPU backend with a flat-slot limit of 64: the same model's slots group differently on it. */
class FlatSlots64 extends CpuBackend {
  override readonly capabilities = { dtypes: nb.DTYPES, sync: true, flatSlotLimit: 64 };
}
nb.registerBackend('cpu-flat-64', () => new FlatSlots64('cpu-flat-64'));

afterAll(removeFolders);

describe('a resumed run equals the uninterrupted one, bit for bit on cpu', () => {
  for (const [name, optimizer] of OPTIMIZERS) {
    test(name, async () => {
      const initial = await initialWeights(optimizer);
      const whole = await uninterrupted(optimizer, initial);
      const first = await firstPart(optimizer, initial);
      const json = JSON.parse(readFileSync(join(first.dir, 'model.json'), 'utf8'));
      expect(json.version).toBe(3);
      expect(json.optimizerState.iterations).toBe(SPLIT * 4);
      const rest = await resume(first.dir);
      expect([...first.history, ...rest.history]).toEqual(whole.history);
      expect(rest.weights).toEqual(whole.weights);
      expect(rest.iterations).toBe(whole.iterations);
    });
  }

  test('without the optimizer state the resumed run differs: the test above can fail', async () => {
    const optimizer = OPTIMIZERS[0][1];
    const initial = await initialWeights(optimizer);
    const whole = await uninterrupted(optimizer, initial);
    const rest = await resume((await firstPart(optimizer, initial, { includeOptimizer: false })).dir);
    expect(rest.history[0]).not.toBe(whole.history[SPLIT]);
    expect(rest.iterations).toBe(whole.iterations - SPLIT * 4);
  });

  test('from a ModelCheckpoint of the run, and from a loaded model saved again before it trains', async () => {
    const optimizer = OPTIMIZERS[2][1];
    const initial = await initialWeights(optimizer);
    const whole = await uninterrupted(optimizer, initial);
    const dir = tmp();
    const { x, y } = data();
    const m = make(optimizer);
    m.setWeights(initial.map((v, i) => nb.tensor(v.slice(), m.weights[i].shape)));
    await m.fit(x, y, { ...FIT, epochs: SPLIT, callbacks: [new ModelCheckpoint({ filepath: join(dir, 'epoch-{epoch}') })] });
    const again = join(dir, 'again');
    await (await loadModel(join(dir, `epoch-${SPLIT}`))).save(again);
    for (const path of [join(dir, `epoch-${SPLIT}`), again]) {
      const rest = await resume(path);
      expect(rest.history).toEqual(whole.history.slice(SPLIT));
      expect(rest.weights).toEqual(whole.weights);
    }
  });
});

describe('the state is per weight, regrouped where it loads', () => {
  test('saved on cpu, resumed on a backend with another flat-slot limit: other slot groups, the same run bit for bit', async () => {
    const optimizer = OPTIMIZERS[0][1];
    const initial = await initialWeights(optimizer);
    const whole = await uninterrupted(optimizer, initial);
    const first = await firstPart(optimizer, initial);
    const rest = await resume(first.dir, 'cpu-flat-64');
    const keys = Object.keys(rest.model.compiled?.slots ?? {});
    // cpu: the large kernel alone, the five small weights in one flat group. Here the 720-element
    // kernel (60 x 12) is over 64 and alone too.
    const cpuKeys = Object.keys((await loadModel(first.dir)).compiled?.slots ?? {});
    expect(cpuKeys).toHaveLength(2);
    expect(keys).toHaveLength(3);
    expect(rest.history).toEqual(whole.history.slice(SPLIT));
    expect(rest.weights).toEqual(whole.weights);
  });

  test('the file holds each trainable weight’s slots in its shape, by slot name, after the weights', async () => {
    const first = await firstPart(OPTIMIZERS[0][1], await initialWeights(OPTIMIZERS[0][1]));
    const json = JSON.parse(readFileSync(join(first.dir, 'model.json'), 'utf8'));
    const state = json.optimizerState;
    expect(state.className).toBe('Adam');
    expect(state.slots.map((e: { weight: string; slot: string }) => `${e.weight.split('/')[1]}:${e.slot}`)).toEqual(
      ['kernel', 'bias', 'kernel', 'bias', 'kernel', 'bias'].flatMap((w) => [`${w}:m`, `${w}:v`]),
    );
    const weightShapes = json.weights.map((w: { shape: number[] }) => w.shape);
    expect(state.slots.map((e: { shape: number[] }) => e.shape)).toEqual(weightShapes.flatMap((s: number[]) => [s, s]));
    const weightBytes = json.weights.reduce((n: number, w: { byteLength: number }) => n + w.byteLength, 0);
    expect(state.slots[0].offset).toBe(weightBytes);
    expect(json.weightsFile.byteLength).toBe(3 * weightBytes);
    expect(statSync(join(first.dir, json.weightsFile.path)).size).toBe(3 * weightBytes);
  });
});

describe('includeOptimizer: false', () => {
  test('writes a version-2 model without optimizer state; loaded, it trains from fresh slots at step 0', async () => {
    const optimizer = OPTIMIZERS[0][1];
    const initial = await initialWeights(optimizer);
    const { dir } = await firstPart(optimizer, initial, { includeOptimizer: false });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.version).toBe(2);
    expect(json.optimizerState).toBeUndefined();
    const weightBytes = json.weights.reduce((n: number, w: { byteLength: number }) => n + w.byteLength, 0);
    expect(json.weightsFile.byteLength).toBe(weightBytes);
    const loaded = await loadModel(dir);
    expect(loaded.compiled?.slots).toBeNull();
    expect(loaded.compiled?.iterations).toBe(0);
    // The same as a fresh compile over the loaded weights.
    const fresh = make(optimizer);
    fresh.setWeights(await Promise.all(loaded.weights.map(async (w) => nb.tensor((await w.value.data()).slice(), w.shape))));
    const { x, y } = data();
    const a = await loaded.fit(x, y, { ...FIT, epochs: 1 });
    const b = await fresh.fit(x, y, { ...FIT, epochs: 1 });
    expect(a.history.loss).toEqual(b.history.loss);
    expect(await read(loaded)).toEqual(await read(fresh));
  });

  test('ModelCheckpoint passes it on; the option is checked by save and ModelCheckpoint', async () => {
    const dir = tmp();
    const { x, y } = data();
    const m = make(OPTIMIZERS[0][1]);
    await m.fit(x, y, {
      ...FIT,
      epochs: 1,
      callbacks: [
        new ModelCheckpoint({ filepath: join(dir, 'with') }),
        new ModelCheckpoint({ filepath: join(dir, 'without'), includeOptimizer: false }),
      ],
    });
    const state = (name: string) => JSON.parse(readFileSync(join(dir, name, 'model.json'), 'utf8')).optimizerState;
    expect(state('with').iterations).toBe(4);
    expect(state('without')).toBeUndefined();
    await expect(m.save(join(dir, 'x'), { includeOptimizer: 'no' } as never)).rejects.toThrow(
      /save: option 'includeOptimizer' must be a boolean/,
    );
    await expect(m.save(join(dir, 'x'), { includeOptimiser: false } as never)).rejects.toThrow(
      /save: unknown option 'includeOptimiser'; did you mean 'includeOptimizer'\?/,
    );
    expect(() => new ModelCheckpoint({ filepath: 'a', includeOptimizer: 1 as never })).toThrow(
      /ModelCheckpoint: option 'includeOptimizer' must be a boolean/,
    );
  });

  test('a compiled model that never trained has no state to save: version 2', async () => {
    const m = make(OPTIMIZERS[0][1]);
    const dir = join(tmp(), 'untrained');
    await m.save(dir);
    expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).version).toBe(2);
  });
});

describe('loadWeights stays weights-only', () => {
  test('a model with saved optimizer state gives its weights; the target keeps its own optimizer state', async () => {
    const { dir } = await firstPart(OPTIMIZERS[0][1], await initialWeights(OPTIMIZERS[0][1]));
    // The same layer names as the file's, compiled anew and trained one epoch with another optimizer.
    const target = await loadModel(dir);
    target.compile({ optimizer: OPTIMIZERS[3][1](), loss: 'meanSquaredError' });
    const { x, y } = data();
    await target.fit(x, y, { ...FIT, epochs: 1 });
    const slots = target.compiled?.slots;
    await loadWeights(target, dir);
    expect(target.compiled?.iterations).toBe(4);
    expect(target.compiled?.slots).toBe(slots);
    expect(Object.values(slots ?? {}).map((g) => Object.keys(g))).toEqual([['momentum'], ['momentum']]);
    expect(await read(target)).toEqual(await read(await loadModel(dir)));
  });
});

describe('files written before the optimizer state', () => {
  test('a version-2 model (written by the nabla before this format) loads, predicts as it did, and trains from fresh slots', async () => {
    const dir = join(tmp(), 'v2');
    cpSync(new URL('../test-utils/fixtures/model-v2', import.meta.url), dir, { recursive: true });
    const expected = JSON.parse(readFileSync(new URL('../test-utils/fixtures/model-v2.expected.json', import.meta.url), 'utf8'));
    expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).version).toBe(2);
    const m = await loadModel(dir);
    const x = nb.tensor(expected.x);
    expect(Array.from(await m.predict(x).data())).toEqual(expected.predicted.map(Math.fround));
    expect(m.compiled?.optimizer.className).toBe('Adam');
    expect(m.compiled?.slots).toBeNull();
    expect(m.compiled?.iterations).toBe(0);
    await m.fit(x, nb.zeros([4, 2]), { epochs: 1, verbose: 0 });
    expect(m.compiled?.iterations).toBe(1);
  });
});

/** model.json as the tests edit it. */
// biome-ignore lint/suspicious/noExplicitAny: the tests reach into parsed JSON of a known shape
type Json = Record<string, any>;

describe('a state that does not match is an error naming the difference; nothing is restored', () => {
  /** A saved model whose model.json is changed by `edit` (the weights file is left as it is). */
  async function edited(edit: (json: Json) => void) {
    const { dir } = await firstPart(OPTIMIZERS[0][1], await initialWeights(OPTIMIZERS[0][1]));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    edit(json);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    return dir;
  }

  test('another optimizer class', async () => {
    const dir = await edited((j) => {
      j.optimizerState.className = 'RMSprop';
    });
    await expect(loadModel(dir)).rejects.toThrow(
      "load: the saved optimizer state does not match the model: it is RMSprop's, and the model compiles Adam",
    );
  });

  test('other slots (the config asks for amsgrad, the state has none)', async () => {
    const dir = await edited((j) => {
      j.compile.optimizer.config.amsgrad = true;
    });
    await expect(loadModel(dir)).rejects.toThrow(
      /load: the saved optimizer state does not match the model: weight dense_\d+\/kernel has slots m, v saved, Adam as configured keeps m, v, vhat/,
    );
  });

  test('a frozen layer: slots saved for weights that are not trainable', async () => {
    const dir = await edited((j) => {
      j.layers[2].config.trainable = false;
    });
    await expect(loadModel(dir)).rejects.toThrow(
      /load: the saved optimizer state does not match the model: slots saved for weights that are not trainable weights of the model: dense_\d+\/kernel, dense_\d+\/bias/,
    );
  });

  test('a weight without slots, and one the model does not have', async () => {
    const dir = await edited((j) => {
      for (const e of j.optimizerState.slots) if (e.weight === j.weights[5].name) e.weight = 'elsewhere/bias';
    });
    await expect(loadModel(dir)).rejects.toThrow(
      /trainable weights without saved slots: dense_\d+\/bias; slots saved for weights that are not trainable weights of the model: elsewhere\/bias/,
    );
  });

  test('a damaged manifest: misplaced entries, a bad step count, a state in a version-2 file or without compile settings', async () => {
    const cases: [(j: Json) => void, RegExp][] = [
      [(j) => j.optimizerState.slots.pop(), /weightsFile.byteLength \d+ differs from the manifest's total/],
      [(j) => (j.optimizerState.slots[1].offset += 4), /optimizer slot 'v' of weight dense_\d+\/kernel: offset\/byteLength/],
      [(j) => (j.optimizerState.iterations = -1), /optimizerState.iterations must be a count of steps, got -1/],
      [(j) => (j.version = 2), /an optimizerState in a version-2 model \(it came with version 3\)/],
      [(j) => delete j.compile, /an optimizerState without compile settings/],
      [(j) => j.optimizerState.slots.push(j.optimizerState.slots[0]), /optimizer slot 'm' of weight dense_\d+\/kernel is listed twice/],
    ];
    for (const [edit, message] of cases) await expect(loadModel(await edited(edit))).rejects.toThrow(message);
  });

  test('the slots are under the weights file’s CRC: a changed byte there is a checksum error', async () => {
    const { dir } = await firstPart(OPTIMIZERS[0][1], await initialWeights(OPTIMIZERS[0][1]));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const file = join(dir, json.weightsFile.path);
    const bytes = readFileSync(file);
    const at = json.optimizerState.slots.at(-1).offset;
    bytes[at] ^= 1;
    writeFileSync(file, bytes);
    expect(crc32(bytes)).not.toBe(json.weightsFile.crc32);
    await expect(loadModel(dir)).rejects.toThrow(/is damaged: its CRC-32 is [0-9a-f]{8}, model.json recorded/);
  });
});
