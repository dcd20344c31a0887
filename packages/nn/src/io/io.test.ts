import '@nabla/backend-cpu';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nb from '@nabla/core';
import { afterAll, describe, expect, test } from 'vitest';
import { Adam, Dense, Dropout, loadModel, loadWeights, type Model, Sequential, saveModel } from '../index.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh temporary folder (removed after the tests). */
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-io-'));
  made.push(dir);
  return dir;
}

function trained(names?: [string, string]) {
  const model = new Sequential([
    new Dense(8, { inputShape: [3], activation: 'relu', kernelRegularizer: 'l2', name: names?.[0] }),
    new Dropout(0.2),
    new Dense(2, { activation: 'softmax', name: names?.[1] }),
  ]);
  model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

const x = nb.randomNormal([20, 3], { seed: 1 });
const y = nb.cast(nb.greater(nb.sum(x, { axis: 1 }), 0), 'int32');

async function values(model: Model): Promise<number[][]> {
  return Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
}

/** A saved model in a fresh folder, and the names of its files. */
async function saved(model: Model = trained()) {
  model.predict(x);
  const dir = join(tmp(), 'model');
  await model.save(dir);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  return { model, dir, json, weights: join(dir, json.weightsFile.path as string) };
}

/** The id of a process that has exited: files named with it belong to no running save. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid as number;

describe('save and load', () => {
  test('a loaded model predicts exactly as the saved one, and keeps its compile settings', async () => {
    const dir = join(tmp(), 'model');
    const model = trained();
    await model.fit(x, y, { epochs: 3, batchSize: 5, verbose: 0 });
    await model.save(dir);
    const files = readdirSync(dir).sort();
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(files).toEqual(['model.json', json.weightsFile.path]);
    // Trained: the optimizer's state is saved too (optimizer-state.test.ts), which version 3 holds.
    expect(json.version).toBe(3);
    expect(json.optimizerState.iterations).toBe(12);
    expect(json.weightsFile.crc32).toMatch(/^[0-9a-f]{8}$/);
    expect(json.layers.map((l: { className: string }) => l.className)).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(json.compile.optimizer.className).toBe('Adam');

    const loaded = await loadModel(dir);
    expect(Array.from(await loaded.predict(x).data())).toEqual(Array.from(await model.predict(x).data()));
    expect(loaded.compiled?.loss.name).toBe('sparseCategoricalCrossentropy');
    const ev = await loaded.evaluate(x, y);
    expect(ev.accuracy).toBeCloseTo((await model.evaluate(x, y)).accuracy, 6);
    await loaded.fit(x, y, { epochs: 1, verbose: 0 }); // trainable after loading
  });

  test('saving over a model replaces it whole; nothing is left beside or inside the folder', async () => {
    const { dir } = await saved();
    const b = trained();
    b.predict(x);
    await saveModel(b, dir);
    expect(readdirSync(join(dir, '..'))).toEqual(['model']);
    expect(readdirSync(dir)).toHaveLength(2);
    expect(await values(await loadModel(dir))).toEqual(await values(b));
  });

  test('{ overwrite: false } refuses to replace a model; options are checked', async () => {
    const { dir, model } = await saved();
    const other = trained();
    other.predict(x);
    await expect(other.save(dir, { overwrite: false })).rejects.toThrow(
      `save: '${dir}' already holds a nabla model, and overwrite is false; pass { overwrite: true } to replace it`,
    );
    expect(await values(await loadModel(dir))).toEqual(await values(model));
    await expect(other.save(dir, { overwite: false } as never)).rejects.toThrow(
      /save: unknown option 'overwite'; did you mean 'overwrite'\?/,
    );
    await expect(other.save(dir, { overwrite: 'no' } as never)).rejects.toThrow(/save: option 'overwrite' must be a boolean/);
    // A new path is not a replacement.
    await other.save(join(dir, '..', 'fresh'), { overwrite: false });
  });
});

describe('saves and loads at the same time', () => {
  test('concurrent saves of one folder leave one of the models whole; loads meanwhile see whole models', { repeats: 5 }, async () => {
    const dir = join(tmp(), 'model');
    const models = Array.from({ length: 6 }, () => {
      const m = trained();
      m.predict(x);
      return m;
    });
    const expected = await Promise.all(models.map(values));
    await models[0].save(dir);
    const loads: Promise<number[][]>[] = [];
    await Promise.all(
      models.map(async (m) => {
        loads.push(loadModel(dir).then(values));
        await m.save(dir);
        loads.push(loadModel(dir).then(values));
      }),
    );
    for (const v of await Promise.all(loads)) expect(expected).toContainEqual(v);
    expect(expected).toContainEqual(await values(await loadModel(dir)));
    expect(readdirSync(dir)).toHaveLength(2);
  });
});

describe('save never deletes what nabla did not write', () => {
  test('a file is refused and left as it was', async () => {
    const file = join(tmp(), 'notes.txt');
    writeFileSync(file, 'my notes');
    const model = trained();
    model.predict(x);
    await expect(model.save(file)).rejects.toThrow(`save: '${file}' is a file, not a model folder; nabla does not replace it`);
    expect(readFileSync(file, 'utf8')).toBe('my notes');
  });

  test("a folder of the user's files is refused, naming them, and left as it was", async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'thesis.tex'), 'chapter 1');
    mkdirSync(join(dir, 'data'));
    const model = trained();
    model.predict(x);
    await expect(model.save(dir)).rejects.toThrow(
      /is a folder that is not a nabla model \(it holds (data, thesis\.tex|thesis\.tex, data)\)/,
    );
    expect(readdirSync(dir).sort()).toEqual(['data', 'thesis.tex']);
    // Even with overwrite: it only ever applies to nabla models.
    await expect(model.save(dir, { overwrite: true })).rejects.toThrow(/not a nabla model/);
  });

  test("a model folder with a user's file added is no longer nabla's alone: refused", async () => {
    const { dir, model } = await saved();
    writeFileSync(join(dir, 'README.md'), 'my model');
    await expect(model.save(dir)).rejects.toThrow(/not a nabla model \(it holds README\.md\)/);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('my model');
  });

  test('a model.json of another format is not a nabla model', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: {} }));
    writeFileSync(join(dir, 'weights.bin'), 'x');
    const model = trained();
    model.predict(x);
    await expect(model.save(dir)).rejects.toThrow(/not a nabla model \(it holds model\.json, weights\.bin\)/);
  });

  test("a model.json naming another file of the folder as its weights does not make that file nabla's", async () => {
    const { dir, json, weights, model } = await saved();
    copyFileSync(weights, join(dir, 'data.bin'));
    rmSync(weights);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...json, weightsFile: { ...json.weightsFile, path: 'data.bin' } }));
    expect(await values(await loadModel(dir))).toEqual(await values(model));
    await expect(model.save(dir)).rejects.toThrow(/not a nabla model \(it holds data\.bin\)/);
    expect(existsSync(join(dir, 'data.bin'))).toBe(true);
  });

  test('an empty folder is used; a symbolic link is refused', async () => {
    const dir = tmp();
    const model = trained();
    model.predict(x);
    await model.save(dir);
    expect(await values(await loadModel(dir))).toEqual(await values(model));
    const link = join(tmp(), 'link');
    symlinkSync(dir, link);
    await expect(model.save(link)).rejects.toThrow(`save: '${link}' is a symbolic link; nabla does not replace it`);
  });

  test("'' and '.' and a folder above the current one are errors naming the path", async () => {
    const model = trained();
    model.predict(x);
    await expect(model.save('')).rejects.toThrow("save: the path is empty; give a folder path such as './my-model'");
    await expect(model.save('.')).rejects.toThrow(`save: '.' is the current folder (${process.cwd()})`);
    await expect(model.save('..')).rejects.toThrow(/save: '\.\.' is a folder that contains the current folder/);
    await expect(model.save('/')).rejects.toThrow(/save: '\/' is a folder that contains the current folder/);
    await expect(loadModel('')).rejects.toThrow('load: the path is empty');
    await expect(model.save(42 as never)).rejects.toThrow("save: argument 'path' must be a string, got 42 (number)");
    await expect(model.save('s3://bucket/model')).rejects.toThrow(/save: cannot save to 's3:\/\/bucket\/model'/);
  });

  test('a location nabla may not write is reported as such, naming the path', async () => {
    const root = process.getuid?.() === 0;
    // root may write anywhere a permission bit forbids, but not into sysfs (EPERM).
    let dir: string;
    if (root) dir = '/sys/nabla-test-model';
    else {
      const parent = tmp();
      chmodSync(parent, 0o555);
      dir = join(parent, 'model');
    }
    const model = trained();
    model.predict(x);
    await expect(model.save(dir)).rejects.toThrow(
      new RegExp(`save: cannot create the folder '${dir}': permission denied( \\(the operation is not permitted\\))? \\((EACCES|EPERM)\\)`),
    );
    expect(existsSync(dir)).toBe(false);
  });

  test('a missing parent folder is created, and a missing model is a clear load error', async () => {
    const dir = join(tmp(), 'a', 'b', 'model');
    const model = trained();
    model.predict(x);
    await model.save(dir);
    expect(readdirSync(dir)).toHaveLength(2);
    const missing = join(tmp(), 'nothing');
    await expect(loadModel(missing)).rejects.toThrow(`load: there is no model at '${missing}'`);
    const empty = tmp();
    await expect(loadModel(empty)).rejects.toThrow(`load: '${empty}' holds no model.json`);
  });

  test('relative paths work', async () => {
    const { model } = await saved();
    const dir = join(tmp(), 'rel');
    const rel = relative(process.cwd(), dir);
    await model.save(rel);
    expect(await values(await loadModel(rel))).toEqual(await values(model));
  });
});

describe('files left by an interrupted save', () => {
  test('are removed by the next save and load when their process is gone; those of a running save are kept', async () => {
    const { dir, model } = await saved();
    const dead = deadPid();
    const stale = [`weights-${dead}-abc-1.bin`, `model.json.${dead}-abc-1.tmp`];
    for (const f of stale) writeFileSync(join(dir, f), 'partial');
    const running = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const live = `weights-${running.pid}-abc-2.bin`;
    writeFileSync(join(dir, live), 'being written');
    try {
      await loadModel(dir);
      expect(readdirSync(dir).sort()).toEqual(
        ['model.json', live, readdirSync(dir).find((f) => f.startsWith('weights-') && f !== live)].sort(),
      );
      for (const f of stale) writeFileSync(join(dir, f), 'partial');
      await model.save(dir);
      expect(readdirSync(dir)).toHaveLength(3);
      expect(readdirSync(dir)).toContain(live);
    } finally {
      running.kill('SIGKILL');
      await new Promise((r) => running.on('exit', r));
    }
    await loadModel(dir);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  test('a folder holding only leftovers of an interrupted first save is saved into', async () => {
    const dir = tmp();
    writeFileSync(join(dir, `weights-${deadPid()}-abc-1.bin`), 'partial');
    const model = trained();
    model.predict(x);
    await model.save(dir);
    expect(readdirSync(dir)).toHaveLength(2);
  });
});

describe('copies left beside the folder by the earlier folder swap', () => {
  /** A complete version-1 copy, as nabla's earlier saves wrote them. */
  async function legacyCopy(at: string, model: Model) {
    const { json, weights } = await saved(model);
    delete json.weightsFile;
    json.version = 1;
    mkdirSync(at);
    copyFileSync(weights, join(at, 'weights.bin'));
    writeFileSync(join(at, 'model.json'), JSON.stringify(json, null, 2));
  }

  test('when the model folder is missing, load restores the newest complete copy and removes the others', async () => {
    const parent = tmp();
    const dir = join(parent, 'model');
    const pid = deadPid();
    const older = trained();
    const newer = trained();
    await legacyCopy(`${dir}.old-${pid}-1000-7`, older);
    await legacyCopy(`${dir}.saving-${pid}-2000-8`, newer);
    // A partial copy: the save was killed while writing.
    mkdirSync(`${dir}.saving-${pid}-3000-9`);
    writeFileSync(`${dir}.saving-${pid}-3000-9/model.json`, '{\n  "format": "nabla-model",\n  "ver');
    // Named alike, but holding a user's file: not nabla's.
    mkdirSync(`${dir}.old-${pid}-4000-1`);
    writeFileSync(`${dir}.old-${pid}-4000-1/notes.txt`, 'mine');

    const loaded = await loadModel(dir);
    expect(await values(loaded)).toEqual(await values(newer));
    expect(readdirSync(parent).sort()).toEqual(['model', `model.old-${pid}-4000-1`]);
    // The restored copy is version 1, and a save replaces it with the current format.
    await loaded.save(dir);
    expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).version).toBe(2);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  test('a save removes the stray copies beside the folder', async () => {
    const { dir, model } = await saved();
    const pid = deadPid();
    await legacyCopy(`${dir}.old-${pid}-1000-7`, trained());
    mkdirSync(`${dir}.saving-${pid}-2000-8`);
    writeFileSync(`${dir}.saving-${pid}-2000-8/weights.bin`, 'partial');
    await model.save(dir);
    expect(readdirSync(join(dir, '..'))).toEqual(['model']);
  });
});

describe('checks on load', () => {
  test('a flipped byte in the weights file is a checksum error', async () => {
    const { dir, weights } = await saved();
    const bytes = readFileSync(weights);
    bytes[17] ^= 0x01;
    writeFileSync(weights, bytes);
    await expect(loadModel(dir)).rejects.toThrow(
      /load: .*weights-.*\.bin is damaged: its CRC-32 is [0-9a-f]{8}, model\.json recorded [0-9a-f]{8}/,
    );
  });

  test("a manifest dtype that does not match the layer's is an error", async () => {
    const { dir, json } = await saved();
    json.weights[0].dtype = 'int32'; // same byte size: only the dtype check can catch it
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow(/load: weight dense_\d+\/kernel is int32 in the file, but float32 in the model/);
  });

  test('weights are matched by name: a missing or extra weight is named', async () => {
    const { dir, json, model } = await saved();
    const [kernel, bias] = [json.weights[0].name, json.weights[1].name];
    json.weights[1].name = 'stray/bias';
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow(
      `load: the file's weights do not match the model's: missing from the file: ${bias}; in the file but not in the model: stray/bias`,
    );
    // The manifest's order does not matter: its entries are found by name.
    json.weights[1].name = bias;
    const [a, b] = [json.weights[2], json.weights[3]];
    [json.weights[2], json.weights[3]] = [
      { ...b, offset: a.offset },
      { ...a, offset: a.offset + b.byteLength },
    ];
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const weights = readFileSync(join(dir, json.weightsFile.path));
    const swapped = Buffer.concat([
      weights.subarray(0, a.offset),
      weights.subarray(b.offset, b.offset + b.byteLength),
      weights.subarray(a.offset, a.offset + a.byteLength),
    ]);
    writeFileSync(join(dir, json.weightsFile.path), swapped);
    json.weightsFile.crc32 = (await import('./checksum.js')).crc32(swapped);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const loaded = await loadModel(dir);
    expect(loaded.weights[0].name).toBe(kernel);
    expect(await values(loaded)).toEqual(await values(model));
  });

  test('loadWeights matches by name; on a mismatch it says why and changes nothing', async () => {
    const { dir, model } = await saved(trained(['enc', 'head']));
    const same = trained(['enc', 'head']);
    same.predict(x);
    await loadWeights(same, dir);
    expect(await values(same)).toEqual(await values(model));

    const renamed = new Sequential([new Dense(8, { inputShape: [3] }), new Dense(2)]);
    await expect(loadWeights(renamed, dir)).rejects.toThrow(
      /loadWeights: the file's weights do not match the model's: missing from the file: dense_\d+\/kernel, .*; in the file but not in the model: enc\/kernel, enc\/bias, head\/kernel, head\/bias; weights are matched by name/,
    );
    const narrower = new Sequential([new Dense(4, { inputShape: [3], name: 'enc' }), new Dense(2, { name: 'head' })]);
    const before = await values(narrower);
    await expect(loadWeights(narrower, dir)).rejects.toThrow(
      'loadWeights: weight enc/kernel has shape [3,8] in the file, but [3,4] in the model',
    );
    expect(await values(narrower)).toEqual(before);
  });

  test('truncated or damaged files are clear errors', async () => {
    const { dir, weights, json } = await saved();
    const size = readFileSync(weights).length;
    truncateSync(weights, size - 4);
    await expect(loadModel(dir)).rejects.toThrow(`has ${size - 4} bytes, model.json says ${size} (truncated or mismatched files)`);
    rmSync(weights);
    await expect(loadModel(dir)).rejects.toThrow(/load: cannot read '.*weights-.*\.bin': no such file or folder \(ENOENT\)/);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...json, version: 4 }));
    await expect(loadModel(dir)).rejects.toThrow(
      /unsupported format version 4; this nabla reads versions 1, 2 and 3 \(saved by a newer nabla\?\)/,
    );
    writeFileSync(join(dir, 'model.json'), '{"format": "nabla-model", "vers');
    await expect(loadModel(dir)).rejects.toThrow('model.json is not valid JSON (truncated or damaged?)');
  });

  test('a model saved in format version 1 (model.json and weights.bin, no checksum) still loads', async () => {
    const { dir, json, weights, model } = await saved();
    delete json.weightsFile;
    json.version = 1;
    renameSync(weights, join(dir, 'weights.bin'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json, null, 2));
    expect(await values(await loadModel(dir))).toEqual(await values(model));
    // Still checked: a wrong size, and the dtypes, shapes and names.
    truncateSync(join(dir, 'weights.bin'), 8);
    await expect(loadModel(dir)).rejects.toThrow(/weights\.bin has 8 bytes/);
  });

  test('an unbuilt model cannot be saved', async () => {
    const dir = join(tmp(), 'never');
    await expect(saveModel(new Sequential([new Dense(2)]), dir)).rejects.toThrow(/save: the model is not built yet/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('other sources', () => {
  test('a file:// URL, File objects, and http URLs load the same model with the same checks', async () => {
    const { dir, json, weights, model } = await saved();
    const expected = await values(model);
    expect(await values(await loadModel(pathToFileURL(dir).href))).toEqual(expected);
    // As TensorFlow.js names it: the model.json file.
    expect(await values(await loadModel(pathToFileURL(join(dir, 'model.json'))))).toEqual(expected);
    expect(await values(await loadModel(join(dir, 'model.json')))).toEqual(expected);

    const files = [
      new File([readFileSync(join(dir, 'model.json'))], 'model.json'),
      new File([readFileSync(weights)], json.weightsFile.path),
    ];
    expect(await values(await loadModel(files))).toEqual(expected);
    const damaged = readFileSync(weights);
    damaged[3] ^= 0x80;
    await expect(loadModel([files[0], new File([damaged], 'weights.bin')])).rejects.toThrow(/load: weights\.bin is damaged: its CRC-32/);
    await expect(loadModel([files[1]])).rejects.toThrow('load: give exactly one .json file and its weights file; got 1 files');

    const server = createServer((req, res) => {
      const file = join(dir, decodeURIComponent((req.url ?? '').replace('/models/', '')));
      if (!existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models`;
      expect(await values(await loadModel(`${base}/model.json`))).toEqual(expected);
      await expect(loadModel(`${base}/missing.json`)).rejects.toThrow(`load: cannot fetch ${base}/missing.json: HTTP 404`);
      writeFileSync(weights, damaged);
      await expect(loadModel(`${base}/model.json`)).rejects.toThrow(/is damaged: its CRC-32/);
    } finally {
      server.close();
    }
    await expect(loadModel('indexeddb://m')).rejects.toThrow('load: indexeddb:// needs a browser with IndexedDB');
    await expect(model.save('downloads://m')).rejects.toThrow('save: downloads:// needs a browser page');
  });
});
