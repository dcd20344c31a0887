import '@nabla/backend-cpu';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import * as nn from '@nabla/nn';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { exportTritonRepo, tritonRepository } from './export.js';
import { randomize, TOLERANCE } from './test-utils/export-check.js';
import { readModel } from './test-utils/onnx-read.js';
import { expectConfigMatchesGraph, feed, parseConfig, predicted, worstDifference } from './test-utils/triton-check.js';

/**
 * exportTritonRepo beyond the layers (triton-layers.test.ts): the config's settings, weights in
 * an external data file, what it replaces and what it refuses, leftovers of a crashed export,
 * and its options' errors.
 */

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `nabla-triton-${prefix}-`));

/** A small MLP: a 24 KiB and a 4 KiB kernel (external data candidates), biases under 1 KiB (kept inside). */
function mlp(seed = 1): nn.Sequential {
  nb.setBackend('cpu');
  const model = new nn.Sequential([
    new nn.Dense(64, { activation: 'relu', inputShape: [96] }),
    new nn.Dropout(0.5),
    new nn.Dense(16, { activation: 'softmax' }),
  ]);
  model.predict(nb.zeros([1, 96])).dispose();
  randomize(model, seed);
  return model;
}

/** The model at `dir/name/1/model.onnx` against model.predict at batches 1 and 64; its config against its graph. */
async function expectServes(model: nn.Sequential, dir: string, name: string): Promise<void> {
  const session = await ort.InferenceSession.create(join(dir, name, '1', 'model.onnx'));
  try {
    expectConfigMatchesGraph(parseConfig(readFileSync(join(dir, name, 'config.pbtxt'), 'utf8')), session);
    for (const n of [1, 64]) {
      const x = nb.randomUniform([n, 96], { minval: -1, maxval: 1, seed: n });
      const [want] = await predicted(model, [x]);
      const out = await session.run({ input: await feed(ort, x) });
      expect(out.output.dims).toEqual(want.shape);
      expect(worstDifference(out.output.data as Float32Array, want.data)).toBeLessThan(TOLERANCE);
      x.dispose();
    }
  } finally {
    await session.release();
  }
}

describe('config.pbtxt', () => {
  test('the defaults: onnxruntime_onnx, max_batch_size 64, one instance of KIND_AUTO, no dynamic batching', async () => {
    const model = mlp();
    const repo = await tritonRepository(model, { name: 'mlp' });
    expect(repo.files.map((f) => f.path)).toEqual(['config.pbtxt', '1/model.onnx']);
    expect(new TextDecoder().decode(repo.files[0].chunks[0])).toBe(repo.config);
    const config = parseConfig(repo.config);
    expect(config).toMatchObject({ name: 'mlp', platform: 'onnxruntime_onnx', backend: 'onnxruntime', maxBatchSize: 64 });
    expect(config.inputs).toEqual([{ name: 'input', dataType: 'TYPE_FP32', dims: [96] }]);
    expect(config.outputs).toEqual([{ name: 'output', dataType: 'TYPE_FP32', dims: [16] }]);
    expect(repo.config).toMatch(/^instance_group \[\n {2}\{\n {4}count: 1\n {4}kind: KIND_AUTO\n {2}\}\n\]$/m);
    expect(repo.config).not.toMatch(/dynamic_batching/);
    model.dispose();
  });

  test('instances, their kind, dynamic batching with preferred sizes (sorted) and a queue delay; an int32 input', async () => {
    nb.setBackend('cpu');
    const model = new nn.Sequential([new nn.Embedding(10, 4, { inputShape: [7] }), new nn.GlobalAveragePooling1D()]);
    model.predict(nb.zeros([1, 7], 'int32')).dispose();
    const repo = await tritonRepository(model, {
      name: 'embed.v2',
      maxBatchSize: 32,
      instances: 3,
      instanceKind: 'gpu',
      dynamicBatching: { preferredBatchSizes: [32, 8, 16], maxQueueDelayMicroseconds: 250 },
      inputName: 'tokens',
      outputName: 'vector',
    });
    const config = parseConfig(repo.config);
    expect([config.name, config.maxBatchSize]).toEqual(['embed.v2', 32]);
    expect(config.inputs).toEqual([{ name: 'tokens', dataType: 'TYPE_INT32', dims: [7] }]);
    expect(config.outputs).toEqual([{ name: 'vector', dataType: 'TYPE_FP32', dims: [4] }]);
    expect(repo.config).toMatch(/ {4}count: 3\n {4}kind: KIND_GPU\n/);
    expect(repo.config).toMatch(
      /^dynamic_batching \{\n {2}preferred_batch_size: \[ 8, 16, 32 \]\n {2}max_queue_delay_microseconds: 250\n\}$/m,
    );
    const plain = await tritonRepository(model, { name: 'e', dynamicBatching: true, instanceKind: 'cpu' });
    expect(plain.config).toMatch(/^dynamic_batching \{\n\}$/m);
    expect(plain.config).toMatch(/kind: KIND_CPU/);
    model.dispose();
  });

  test('maxBatchSize 0: Triton batches nothing, and the dims keep the batch axis as -1 (a per-sample scalar too)', async () => {
    nb.setBackend('cpu');
    const x = nn.input({ shape: [], name: 'x' });
    const model = new nn.Model({ inputs: x, outputs: new nn.Activation('sigmoid', { name: 'p' }).apply(x) });
    const unbatched = parseConfig((await tritonRepository(model, { name: 's', maxBatchSize: 0 })).config);
    expect([unbatched.maxBatchSize, unbatched.inputs, unbatched.outputs]).toEqual([
      0,
      [{ name: 'x', dataType: 'TYPE_FP32', dims: [-1] }],
      [{ name: 'p', dataType: 'TYPE_FP32', dims: [-1] }],
    ]);
    const batched = parseConfig((await tritonRepository(model, { name: 's' })).config);
    expect(batched.outputs).toEqual([{ name: 'p', dataType: 'TYPE_FP32', dims: [1], reshape: [] }]);
    model.dispose();
  });
});

describe('external data', () => {
  test('weights past the threshold go to a data file beside model.onnx, at aligned offsets; onnxruntime loads it from the folder', async () => {
    const model = mlp(2);
    const dir = join(tmp('external'), 'repository');
    await exportTritonRepo(model, dir, { name: 'mlp', externalDataThreshold: 1000 });
    const files = readdirSync(join(dir, 'mlp', '1')).sort();
    expect(files).toHaveLength(2);
    const [modelFile, dataFile] = files;
    expect(modelFile).toBe('model.onnx');
    expect(dataFile).toMatch(/^model\.onnx\.\d+-[0-9a-z]+-[0-9a-z]+\.data$/);
    const read = readModel(readFileSync(join(dir, 'mlp', '1', modelFile)));
    const outside = read.initializers.filter((t) => t.dataLocation === 1);
    // The two kernels (96x64 and 64x16 float32) are outside; the biases (256 and 64 bytes) stay in.
    expect(outside.map((t) => Number(t.external.length)).sort((a, b) => a - b)).toEqual([64 * 16 * 4, 96 * 64 * 4]);
    for (const t of outside) {
      expect([t.external.location, t.rawBytes, Number(t.external.offset) % 4096]).toEqual([dataFile, -1, 0]);
    }
    const end = Math.max(...outside.map((t) => Number(t.external.offset) + Number(t.external.length)));
    expect(statSync(join(dir, 'mlp', '1', dataFile)).size).toBe(end);
    expect(read.initializers.filter((t) => t.dataLocation !== 1).map((t) => t.rawBytes)).toEqual([256, 64]);
    await expectServes(model, dir, 'mlp');

    // Exported again: a new data file, the old one gone; then with the weights inside, no data file at all.
    await exportTritonRepo(model, dir, { name: 'mlp', externalDataThreshold: 1000 });
    const again = readdirSync(join(dir, 'mlp', '1')).filter((f) => f.endsWith('.data'));
    expect(again).toHaveLength(1);
    expect(again[0]).not.toBe(dataFile);
    await expectServes(model, dir, 'mlp');
    await exportTritonRepo(model, dir, { name: 'mlp' });
    expect(readdirSync(join(dir, 'mlp', '1'))).toEqual(['model.onnx']);
    await expectServes(model, dir, 'mlp');
    model.dispose();
  });

  test("tritonRepository's files, written as they are, load the same way (the data file named model.onnx.data)", async () => {
    const model = mlp(3);
    const repo = await tritonRepository(model, { name: 'bytes', externalDataThreshold: 0 });
    expect(repo.files.map((f) => f.path)).toEqual(['config.pbtxt', '1/model.onnx', '1/model.onnx.data']);
    const dir = tmp('bytes');
    mkdirSync(join(dir, 'bytes', '1'), { recursive: true });
    for (const f of repo.files) writeFileSync(join(dir, 'bytes', f.path), Buffer.concat(f.chunks));
    expect(repo.files[2].size).toBe(statSync(join(dir, 'bytes', '1', 'model.onnx.data')).size);
    await expectServes(model, dir, 'bytes');
    model.dispose();
  });
});

describe('what exportTritonRepo replaces', () => {
  test('a new repository and its parents are created; its other models are left alone; its own folder is replaced', async () => {
    const model = mlp(4);
    const dir = join(tmp('replace'), 'a', 'b');
    await exportTritonRepo(model, dir, { name: 'mlp' });
    mkdirSync(join(dir, 'other', '1'), { recursive: true });
    writeFileSync(join(dir, 'other', 'config.pbtxt'), 'name: "other"\n');
    const retrained = mlp(5);
    await exportTritonRepo(retrained, dir, { name: 'mlp' });
    await expectServes(retrained, dir, 'mlp');
    expect(readFileSync(join(dir, 'other', 'config.pbtxt'), 'utf8')).toBe('name: "other"\n');
    expect(readdirSync(join(dir, 'mlp')).sort()).toEqual(['1', 'config.pbtxt']);
    await expect(exportTritonRepo(model, dir, { name: 'mlp', overwrite: false })).rejects.toThrow(
      `exportTritonRepo: '${join(dir, 'mlp')}' already holds a model nabla exported, and overwrite is false; pass { overwrite: true } to replace it`,
    );
    await expect(exportTritonRepo(model, dir, { name: 'other' })).rejects.toThrow(
      `exportTritonRepo: '${join(dir, 'other')}' holds files nabla did not write (config.pbtxt);`,
    );
    expect(readFileSync(join(dir, 'other', 'config.pbtxt'), 'utf8')).toBe('name: "other"\n');
    model.dispose();
    retrained.dispose();
  });

  test('a folder holding anything nabla did not write is refused and left as it was', async () => {
    const model = mlp(6);
    const dir = tmp('foreign');
    await exportTritonRepo(model, dir, { name: 'm' });
    const before = readFileSync(join(dir, 'm', '1', 'model.onnx'));
    const cases: [string, () => void][] = [
      ['notes.txt', () => writeFileSync(join(dir, 'm', 'notes.txt'), 'mine')],
      ['2', () => mkdirSync(join(dir, 'm', '2'))],
      ['1/model.plan', () => writeFileSync(join(dir, 'm', '1', 'model.plan'), 'mine')],
    ];
    for (const [name, make] of cases) {
      make();
      await expect(exportTritonRepo(model, dir, { name: 'm' })).rejects.toThrow(`holds files nabla did not write (${name})`);
      spawnSync('rm', ['-r', join(dir, 'm', name)]);
    }
    // A config.pbtxt that is not nabla's, in a folder of nothing else.
    const own = join(dir, 'own');
    mkdirSync(own);
    writeFileSync(join(own, 'config.pbtxt'), 'name: "own"\n');
    await expect(exportTritonRepo(model, dir, { name: 'own' })).rejects.toThrow('holds files nabla did not write (config.pbtxt)');
    expect(readFileSync(join(own, 'config.pbtxt'), 'utf8')).toBe('name: "own"\n');
    // A model.onnx another tool exported.
    mkdirSync(join(dir, 'theirs', '1'), { recursive: true });
    writeFileSync(join(dir, 'theirs', '1', 'model.onnx'), new Uint8Array([0x08, 0x07, 0x12, 0x07, ...Buffer.from('pytorch')]));
    await expect(exportTritonRepo(model, dir, { name: 'theirs' })).rejects.toThrow('holds files nabla did not write (1/model.onnx)');
    writeFileSync(join(dir, 'file'), 'x');
    await expect(exportTritonRepo(model, dir, { name: 'file' })).rejects.toThrow(`'${join(dir, 'file')}' is a file;`);
    symlinkSync(join(dir, 'm'), join(dir, 'link'));
    await expect(exportTritonRepo(model, dir, { name: 'link' })).rejects.toThrow(`'${join(dir, 'link')}' is a symbolic link;`);
    await expect(exportTritonRepo(model, join(dir, 'file'), { name: 'm' })).rejects.toThrow(
      `exportTritonRepo: '${join(dir, 'file')}' is a file, not a model repository folder`,
    );
    expect(readFileSync(join(dir, 'm', '1', 'model.onnx'))).toEqual(before);
    // An empty folder is taken.
    mkdirSync(join(dir, 'empty'));
    await exportTritonRepo(model, dir, { name: 'empty' });
    await expectServes(model, dir, 'empty');
    model.dispose();
  });

  test("a crashed export's files leave the old model loadable, and the next export removes them", async () => {
    const model = mlp(7);
    const dir = tmp('crash');
    await exportTritonRepo(model, dir, { name: 'm', externalDataThreshold: 0 });
    // What an export killed before its renames leaves: its files under names Triton does not read.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const stamp = `${dead}-abc-def`;
    const left = [`1/model.onnx.${stamp}.data`, `1/model.onnx.${stamp}.tmp`, `config.pbtxt.${stamp}.tmp`];
    for (const f of left) writeFileSync(join(dir, 'm', f), 'half written');
    await expectServes(model, dir, 'm');
    const retrained = mlp(8);
    await exportTritonRepo(retrained, dir, { name: 'm', externalDataThreshold: 0 });
    for (const f of left) expect(existsSync(join(dir, 'm', f)), f).toBe(false);
    expect(readdirSync(join(dir, 'm', '1')).filter((f) => f.endsWith('.data'))).toHaveLength(1);
    await expectServes(retrained, dir, 'm');
    // The files of an export still running (here a live process's pid, the test runner's) stay.
    writeFileSync(join(dir, 'm', '1', `model.onnx.${process.ppid}-abc-def.data`), 'in progress');
    await exportTritonRepo(retrained, dir, { name: 'm' });
    expect(existsSync(join(dir, 'm', '1', `model.onnx.${process.ppid}-abc-def.data`))).toBe(true);
    model.dispose();
    retrained.dispose();
  });
});

describe('option errors', () => {
  test('name, the numbers, the kinds, dynamic batching, opset, threshold, stray keys and arguments', async () => {
    const model = mlp(9);
    const dir = tmp('options');
    const bad: [Record<string, unknown>, string][] = [
      [{}, "exportTritonRepo: option 'name' is required: the model's name in Triton, and its folder's"],
      [{ name: '../up' }, "exportTritonRepo: option 'name' must be a Triton model name (letters, digits, '_', '-' and '.'"],
      [{ name: 'a/b' }, "option 'name' must be a Triton model name"],
      [{ name: '' }, "option 'name' must be a Triton model name"],
      [{ name: 7 }, "exportTritonRepo: option 'name' must be a string, got 7 (number)"],
      [{ name: 'm', max_batch_size: 8 }, "exportTritonRepo: unknown option 'max_batch_size'; did you mean 'maxBatchSize'?"],
      [{ name: 'm', maxBatchSize: -1 }, "exportTritonRepo: option 'maxBatchSize' must be a non-negative integer, got -1 (number)"],
      [{ name: 'm', maxBatchSize: 2 ** 31 }, "exportTritonRepo: option 'maxBatchSize' must be at most 2147483647, got 2147483648"],
      [{ name: 'm', instances: 0 }, "exportTritonRepo: option 'instances' must be a positive integer, got 0 (number)"],
      [
        { name: 'm', instanceKind: 'tpu' },
        "exportTritonRepo: option 'instanceKind' must be one of 'auto', 'cpu', 'gpu', got 'tpu' (string)",
      ],
      [
        { name: 'm', dynamicBatching: 'yes' },
        "exportTritonRepo: option 'dynamicBatching' must be a boolean or an object, got 'yes' (string)",
      ],
      [{ name: 'm', maxBatchSize: 0, dynamicBatching: true }, "exportTritonRepo: option 'dynamicBatching' needs maxBatchSize of 1 or more"],
      [
        { name: 'm', maxBatchSize: 8, dynamicBatching: { preferredBatchSizes: [4, 16] } },
        "exportTritonRepo: dynamicBatching's preferredBatchSizes must each be from 1 to maxBatchSize (8), got 16",
      ],
      [{ name: 'm', dynamicBatching: { preferredBatchSizes: [4, 4] } }, "dynamicBatching's preferredBatchSizes lists 4 twice"],
      [
        { name: 'm', dynamicBatching: { maxQueueDelay: 5 } },
        "exportTritonRepo: dynamicBatching: unknown option 'maxQueueDelay' (valid options: preferredBatchSizes, maxQueueDelayMicroseconds)",
      ],
      [
        { name: 'm', dynamicBatching: { maxQueueDelayMicroseconds: -5 } },
        "exportTritonRepo: dynamicBatching: option 'maxQueueDelayMicroseconds' must be a non-negative integer, got -5 (number)",
      ],
      [{ name: 'm', opset: 11 }, "exportTritonRepo: option 'opset' must be an integer from 13 to 21"],
      [{ name: 'm', externalDataThreshold: 2 ** 31 }, "exportTritonRepo: option 'externalDataThreshold' must be below 2147483647 bytes"],
      [{ name: 'm', externalDataThreshold: -1 }, "option 'externalDataThreshold' must be a non-negative integer"],
      [{ name: 'm', overwrite: 'no' }, "exportTritonRepo: option 'overwrite' must be a boolean, got 'no' (string)"],
    ];
    for (const [options, message] of bad) {
      await expect(exportTritonRepo(model, dir, options as never), JSON.stringify(options)).rejects.toThrow(message);
    }
    expect(readdirSync(dir)).toEqual([]);
    await expect(Reflect.apply(exportTritonRepo, undefined, [model, dir])).rejects.toThrow(
      "exportTritonRepo: options are required ({ name: 'my-model', ... })",
    );
    await expect(Reflect.apply(exportTritonRepo, undefined, [model, dir, { name: 'm' }, 'extra'])).rejects.toThrow(
      'exportTritonRepo: takes at most 3 arguments',
    );
    await expect(exportTritonRepo(model, '  ', { name: 'm' })).rejects.toThrow(
      "exportTritonRepo: dir must be the model repository's folder path, got '  ' (string)",
    );
    await expect(tritonRepository(model, { name: 'm', overwrite: true } as never)).rejects.toThrow(
      "tritonRepository: unknown option 'overwrite'",
    );
    await expect(exportTritonRepo(new nn.Sequential([new nn.Dense(2)]), dir, { name: 'm' })).rejects.toThrow(/must be built/);
    expect(readdirSync(dir)).toEqual([]);
    model.dispose();
  });
});
