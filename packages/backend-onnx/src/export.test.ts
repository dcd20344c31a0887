import '@nabla/backend-cpu';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import { Dense, Dropout, Flatten, Sequential } from '@nabla/nn';
import * as ort from 'onnxruntime-node';
import { expect, test } from 'vitest';
import { exportOnnx } from './export.js';

test('an exported model predicts what model.predict does, at any batch size, in a fresh session', async () => {
  nb.setBackend('cpu');
  const x = nb.randomNormal([40, 2, 3], { seed: 1 });
  const y = nb.cast(nb.greater(nb.sum(x, { axis: [1, 2] }), 0), 'int32');
  const model = new Sequential([
    new Flatten({ inputShape: [2, 3] }),
    new Dense(16, { activation: 'relu' }),
    new Dropout(0.2),
    new Dense(8, { activation: 'tanh' }),
    new Dense(3, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });

  const file = join(mkdtempSync(join(tmpdir(), 'nabla-onnx-')), 'model.onnx');
  await exportOnnx(model, file);
  const session = await ort.InferenceSession.create(file);
  expect(session.inputNames).toEqual(['input']);
  expect(session.outputNames).toEqual(['output']);
  for (const n of [1, 7, 40]) {
    const xs = nb.slice(x, [0], [n]);
    const expected = await model.predict(xs).data();
    const out = await session.run({ input: new ort.Tensor('float32', (await xs.data()) as Float32Array, [n, 2, 3]) });
    expect(out.output.dims).toEqual([n, 3]);
    const got = out.output.data as Float32Array;
    for (let i = 0; i < expected.length; i++) expect(Math.abs(got[i] - expected[i])).toBeLessThan(1e-5);
  }
  await session.release();
});

test('export refuses what it cannot write', async () => {
  await expect(exportOnnx(new Sequential([new Dense(2)]), join(tmpdir(), 'x.onnx'))).rejects.toThrow(/must be built/);
});

test('export replaces only an .onnx file nabla exported, never another file', async () => {
  nb.setBackend('cpu');
  const model = new Sequential([new Dense(2, { inputDim: 3 })]);
  model.predict(nb.zeros([1, 3])).dispose();
  const dir = mkdtempSync(join(tmpdir(), 'nabla-onnx-'));
  const file = join(dir, 'model.onnx');
  await exportOnnx(model, file);
  await exportOnnx(model, file); // its own export: replaced
  await expect(exportOnnx(model, file, { overwrite: false })).rejects.toThrow('exists and overwrite is false');
  const notes = join(dir, 'notes.onnx');
  writeFileSync(notes, "the user's own file");
  await expect(exportOnnx(model, notes)).rejects.toThrow('is not an ONNX file nabla exported; nabla does not overwrite other files');
  expect(readFileSync(notes, 'utf8')).toBe("the user's own file");
  await expect(exportOnnx(model, dir)).rejects.toThrow('exists and is not a file');
  await expect(exportOnnx(model, file, { output_name: 'y' } as never)).rejects.toThrow(
    "exportOnnx: unknown option 'output_name'; did you mean 'outputName'?",
  );
  await expect(Reflect.apply(exportOnnx, undefined, [model, file, {}, 'extra'])).rejects.toThrow('exportOnnx: takes at most 3 arguments');
  model.dispose();
});
