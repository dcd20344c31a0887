import '@nabla/backend-cpu';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import * as nn from '@nabla/nn';
import * as ort from 'onnxruntime-node';
import { expect, test } from 'vitest';
import { exportOnnx, toOnnx } from './export.js';
import { expectSameAsPredict } from './test-utils/export-check.js';

/** Two inputs (an image and a vector), a layer shared by two branches, two outputs; trained a little first. */
function twoByTwo(): nn.Model<nn.SymbolicTensor[]> {
  const image = nn.input({ shape: [6, 6, 1], name: 'image' });
  const meta = nn.input({ shape: [3], name: 'meta' });
  let h = new nn.Conv2D(4, 3, { padding: 'same', activation: 'relu' }).apply(image);
  h = new nn.MaxPooling2D(2).apply(h);
  h = new nn.BatchNormalization().apply(h);
  h = new nn.GlobalAveragePooling2D().apply(h);
  const shared = new nn.Dense(4, { activation: 'tanh' });
  const joined = new nn.Concatenate().apply([shared.apply(h), shared.apply(new nn.Dense(4).apply(meta))]);
  const label = new nn.Dense(2, { activation: 'softmax', name: 'label' }).apply(joined);
  const score = new nn.Dense(1, { name: 'score' }).apply(new nn.Dropout(0.3).apply(joined));
  return new nn.Model({ inputs: [image, meta], outputs: [label, score] });
}

test('a functional model of two inputs and two outputs: named as the model names them, batch dynamic, values as predict', async () => {
  nb.setBackend('cpu');
  const model = twoByTwo();
  const xs = [nb.randomNormal([16, 6, 6, 1], { seed: 1 }), nb.randomNormal([16, 3], { seed: 2 })];
  const ys = [nb.cast(nb.greater(nb.randomUniform([16], { seed: 3 }), 0.5), 'int32'), nb.randomNormal([16, 1], { seed: 4 })];
  model.compile({ optimizer: 'adam', loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'] });
  await model.fit(xs, ys, { epochs: 2, batchSize: 8, verbose: 0 });
  for (const n of [3, 1, 7]) {
    const inputs = xs.map((t) => nb.slice(t, [0], [n]));
    const names = await expectSameAsPredict(model, inputs);
    expect(names).toEqual({ inputNames: ['image', 'meta'], outputNames: ['label', 'score'] });
  }
  model.dispose();
});

test('a functional model written to a file; inputName and outputName rename a model of one input and one output', async () => {
  nb.setBackend('cpu');
  const x = nn.input({ shape: [4], name: 'features' });
  const model = new nn.Model({ inputs: x, outputs: new nn.Dense(2, { name: 'logits' }).apply(new nn.LayerNormalization().apply(x)) });
  const file = join(mkdtempSync(join(tmpdir(), 'nabla-onnx-')), 'model.onnx');
  await exportOnnx(model, file);
  const session = await ort.InferenceSession.create(file);
  expect([session.inputNames, session.outputNames]).toEqual([['features'], ['logits']]);
  await session.release();
  await exportOnnx(model, file, { inputName: 'x', outputName: 'y' }); // its own file: replaced
  const renamed = await ort.InferenceSession.create(file);
  expect([renamed.inputNames, renamed.outputNames]).toEqual([['x'], ['y']]);
  const out = await renamed.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4, 0, 0, 0, 1]), [2, 4]) });
  const expected = await model.predict(nb.tensor([1, 2, 3, 4, 0, 0, 0, 1], [2, 4])).data();
  for (let i = 0; i < expected.length; i++) expect(Math.abs((out.y.data as Float32Array)[i] - expected[i])).toBeLessThan(1e-5);
  await renamed.release();
  model.dispose();
});

test('names that cannot be ONNX names, and inputName on a model of two inputs, are errors that say what to do', async () => {
  nb.setBackend('cpu');
  const model = twoByTwo();
  await expect(toOnnx(model, { inputName: 'x' })).rejects.toThrow(
    'exportOnnx: inputName names the one input of a model; this one has 2 (image, meta)',
  );
  const odd = nn.input({ shape: [2], name: 'my-input' });
  const oddModel = new nn.Model({ inputs: odd, outputs: new nn.Dense(1).apply(odd) });
  await expect(toOnnx(oddModel)).rejects.toThrow(
    /exportOnnx: input name "my-input" is not a valid ONNX name .*; give nn.input another name/,
  );
  await expect(toOnnx(oddModel, { inputName: 'ok' })).resolves.toBeInstanceOf(Uint8Array);
  await expect(toOnnx(oddModel, { input_name: 'x' } as never)).rejects.toThrow(
    "toOnnx: unknown option 'input_name'; did you mean 'inputName'?",
  );
  await expect(Reflect.apply(toOnnx, undefined, [oddModel, {}, 'extra'])).rejects.toThrow('toOnnx: takes at most 2 arguments');
  const y = new nn.Dense(1, { name: 'y' }).apply(odd);
  const twice = new nn.Model({ inputs: odd, outputs: [y, y] });
  await expect(toOnnx(twice, { inputName: 'x' })).rejects.toThrow(
    "exportOnnx: two outputs are named 'y'; ONNX outputs need names of their own",
  );
  model.dispose();
  oddModel.dispose();
  twice.dispose();
});
