import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from './cli.js';
import { bufferIo } from './io.js';
import { SVG_MARK, TRAIN_COLOR, VALIDATION_COLOR } from './plot.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.text(), err: io.errors() };
}

describe('usage', () => {
  test.each(['examples', 'train', 'predict', 'conformance', 'bench', 'info'])(
    'nabla %s --help: its usage and options, exit 0',
    async (command) => {
      const r = await run(command, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: nabla ${command}`);
      expect(r.err).toBe('');
      if (command !== 'info') expect(r.out).toMatch(/--\w+/);
    },
  );

  test('nabla --help lists every command; nabla alone prints it as an error (exit 2)', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    for (const c of ['examples', 'train', 'predict', 'conformance', 'bench', 'info']) expect(help.out).toContain(c);
    const none = await run();
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: nabla');
  });

  test('train --help lists the examples with their defaults', async () => {
    const r = await run('train', '--help');
    expect(r.out).toMatch(/seed +the README's seed example.*\n +defaults: 100 epochs, batch 10, learning rate 0\.05/);
    for (const name of ['mnist-mlp', 'mnist-cnn', 'lstm', 'gru', 'transformer', 'iris']) expect(r.out).toContain(`  ${name} `);
  });

  const mistakes: [string[], RegExp][] = [
    [['frob'], /unknown command 'frob'[\s\S]*the commands: examples, train, predict, conformance, bench, info/],
    [
      ['train', 'seed', '--frob'],
      /unknown option '--frob'[\s\S]*nabla train takes --backend, --epochs, --batch-size, --lr, --seed, --save, --export-onnx, --plot/,
    ],
    [['train', 'nope'], /unknown example 'nope'\. The examples: seed, mnist-mlp, mnist-streamed, mnist-cnn, lstm, gru, transformer, iris/],
    [['train', 'two-moons'], /'two-moons' is not trained by nabla train: it is written with core ops/],
    [['train'], /missing required argument 'example'/],
    [['train', 'seed', '--epochs', 'abc'], /'--epochs <n>' argument 'abc' is invalid\. expected a positive integer/],
    [['train', 'seed', '--epochs', '0'], /expected a positive integer/],
    [['train', 'seed', '--epochs'], /'--epochs <n>' argument missing/],
    [['train', 'seed', '--lr', '-1'], /'--lr <x>' argument '-1' is invalid\. expected a number above 0/],
    [['train', 'seed', '--seed', '1.5'], /expected an integer/],
    [['train', 'seed', '--backend', 'tpu'], /unknown backend 'tpu'\. The backends: cpu, onnx/],
    [['train', 'seed', '--plot', 'loss.png'], /--plot writes an SVG file/],
    [['examples', '--only', 'iris,nope'], /unknown example 'nope'\. The examples: linear-regression, two-moons/],
    [['predict', '--input', 'x.json'], /required option '--model <dir>' not specified/],
    [['predict', '--model', 'm', '--input', 'x.csv'], /--input takes a \.json or \.npy file/],
    [['conformance', '--backend', 'cpu,tpu'], /unknown backend 'tpu'/],
    [['conformance', '--group', 'forward,nope'], /unknown group 'nope'\. The groups: forward, gradient, fd-gradient, rng/],
    [['conformance', '--group', 'cross-training'], /compare backends: name two or more/],
    [['bench', '--workload', 'matmul,nope'], /unknown workload 'nope'\. The workloads: matmul, seed-linreg/],
  ];
  test.each(mistakes)('nabla %j is a usage error (exit 2) that says what is valid', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });
});

describe('train, save, predict, export, plot', () => {
  const model = join(dir, 'seed-model');
  const svg = join(dir, 'loss.svg');
  const onnx = join(dir, 'seed.onnx');
  let trained: Awaited<ReturnType<typeof run>>;

  test('train seed: progress per epoch, a summary line, the target met; --save, --export-onnx and --plot write their files', async () => {
    trained = await run('train', 'seed', '--save', model, '--export-onnx', onnx, '--plot', svg);
    expect(trained.err).toBe('');
    expect(trained.code).toBe(0);
    expect(trained.out.match(/^Epoch \d+\/100 - 10\/10 - .* - loss: [\d.]+ - meanAbsoluteError: [\d.]+$/gm)).toHaveLength(100);
    const last = trained.out.trimEnd().split('\n').at(-1) as string;
    expect(last).toMatch(
      /^seed on cpu: 100 epochs in [\d.]+ s, \d+ samples\/s; loss [\d.]+, meanAbsoluteError [\d.]+; weight [\d.]+, bias [\d.]+ \(least squares [\d.]+, [\d.]+\); target met/,
    );
    expect(trained.out).toContain(`saved the model to ${model}`);
    expect(nb.memory().numTensors).toBe(0);
  });

  test('--plot: an SVG (ECharts) with one point per epoch on the loss and metric lines', () => {
    const text = readFileSync(svg, 'utf8');
    expect(text.startsWith(`${SVG_MARK}\n<svg`)).toBe(true);
    // Named for screen readers: a non-empty <title> as the svg element's first child.
    expect(text).toMatch(/^[^\n]*\n<svg[^>]*><title>[^<]+<\/title>/);
    expect(text.trimEnd().endsWith('</svg>')).toBe(true);
    // Well formed: every element that opens closes.
    const opened = text.match(/<(?!\/|!)[a-zA-Z]+(?=[\s>])(?![^>]*\/>)/g)?.length;
    expect(text.match(/<\/[a-zA-Z]+>/g)?.length).toBe(opened);
    // The training lines of loss and meanAbsoluteError: 100 points each ("M" then 99 "L").
    const lines = [...text.matchAll(/<path d="(M[^"]*)"[^>]*stroke="([^"]+)"/g)].filter(([, d]) => (d.match(/L/g)?.length ?? 0) === 99);
    expect(lines.map(([, , color]) => color)).toEqual([TRAIN_COLOR, TRAIN_COLOR]);
    expect(text).toContain('>loss<');
    expect(text).toContain('>meanAbsoluteError<');
  });

  test('predict: the saved model on JSON and on .npy input gives what the exported ONNX model gives in onnxruntime', async () => {
    const xs = [0, 0.5, 1, 2];
    writeFileSync(join(dir, 'x.json'), JSON.stringify(xs.map((x) => [x])));
    const fromJson = await run('predict', '--model', model, '--input', join(dir, 'x.json'));
    expect(fromJson.code).toBe(0);
    const doc = JSON.parse(fromJson.out) as { shape: number[]; predictions: number[][] };
    expect(doc.shape).toEqual([4, 1]);
    // The file onnxruntime loads, run on the same input.
    const session = await ort.InferenceSession.create(readFileSync(onnx));
    const y = (await session.run({ input: new ort.Tensor('float32', Float32Array.from(xs), [4, 1]) })).output.data as Float32Array;
    for (const [i, [p]] of doc.predictions.entries()) expect(p).toBeCloseTo(y[i], 5);
    // A line: the model learned y = 3x + 0.5 or so.
    expect(doc.predictions[3][0] - doc.predictions[2][0]).toBeCloseTo(3, 0);

    // The same values as a .npy file of float64 (NumPy's default): the same predictions, written to --output.
    const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 1), }".padEnd(117, ' ');
    const npy = Buffer.concat([
      Buffer.from([0x93]),
      Buffer.from('NUMPY'),
      Buffer.from([1, 0, 118, 0]),
      Buffer.from(`${header}\n`),
      Buffer.from(new Float64Array(xs).buffer),
    ]);
    writeFileSync(join(dir, 'x.npy'), npy);
    const out = join(dir, 'y.json');
    const fromNpy = await run('predict', '--model', model, '--input', join(dir, 'x.npy'), '--output', out);
    expect(fromNpy.code).toBe(0);
    expect(fromNpy.out).toContain(`wrote [4, 1] predictions to ${out}`);
    expect((JSON.parse(readFileSync(out, 'utf8')) as typeof doc).predictions).toEqual(doc.predictions);
    // Its own output file it replaces; the input file (not nabla's) it does not.
    expect((await run('predict', '--model', model, '--input', join(dir, 'x.npy'), '--output', out)).code).toBe(0);
    const refused = await run('predict', '--model', model, '--input', join(dir, 'x.npy'), '--output', join(dir, 'x.json'));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/x\.json exists and nabla did not write it/);
    expect(JSON.parse(readFileSync(join(dir, 'x.json'), 'utf8'))).toEqual(xs.map((x) => [x]));
  });

  test("predict: an input of the wrong shape names the model's input shape and the file's", async () => {
    writeFileSync(join(dir, 'wide.json'), '[[1, 2], [3, 4]]');
    const r = await run('predict', '--model', model, '--input', join(dir, 'wide.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/takes input of shape \[batch, 1\] .*wide\.json has shape \[2, 2\]/);
    writeFileSync(join(dir, 'one.json'), '[5]');
    expect((await run('predict', '--model', model, '--input', join(dir, 'one.json'))).err).toMatch(
      /has shape \[1\] \(one sample\? wrap it in a list/,
    );
    const missing = await run('predict', '--model', join(dir, 'no-model'), '--input', join(dir, 'x.json'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/there is no model at/);
  });

  test('files nabla did not write are left alone: --save into a folder of other files, --plot over another SVG', async () => {
    const foreign = join(dir, 'mine');
    rmSync(foreign, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'keep me');
    const save = await run('train', 'seed', '--epochs', '1', '--save', foreign);
    expect(save.code).toBe(2);
    expect(save.err).toMatch(/folder of other files/);
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('keep me');
    const other = join(dir, 'other.svg');
    writeFileSync(other, '<svg></svg>');
    const plot = await run('train', 'seed', '--epochs', '2', '--plot', other);
    expect(plot.code).toBe(2);
    expect(plot.err).toMatch(/other\.svg exists and nabla did not write it/);
    expect(readFileSync(other, 'utf8')).toBe('<svg></svg>');
    // Its own plot it replaces.
    expect((await run('train', 'seed', '--epochs', '2', '--plot', svg)).code).toBe(1);
    expect(readFileSync(svg, 'utf8')).toContain('(cpu, 2 epochs)');
  });
});

test('train iris: validation each epoch, plotted beside training; too few epochs miss the target (exit 1)', async () => {
  const svg = join(dir, 'iris.svg');
  const r = await run('train', 'iris', '--epochs', '5', '--plot', svg);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/^Epoch 5\/5 - 8\/8 - .* - loss: [\d.]+ - accuracy: [\d.]+ - val_loss: [\d.]+ - val_accuracy: [\d.]+$/m);
  expect(r.out).toMatch(
    /iris on cpu: 5 epochs .* val_accuracy [\d.]+; held-out test accuracy [\d.]+%; target NOT met \(held-out accuracy at least 90%\)\n$/,
  );
  // Loss and accuracy, each with a training and a validation line of 5 points.
  const text = readFileSync(svg, 'utf8');
  const lines = [...text.matchAll(/<path d="(M[^"]*)"[^>]*stroke="([^"]+)"/g)].filter(([, d]) => (d.match(/L/g)?.length ?? 0) === 4);
  expect(lines.map(([, , color]) => color)).toEqual([TRAIN_COLOR, VALIDATION_COLOR, TRAIN_COLOR, VALIDATION_COLOR]);
});

test('train --seed: another seed, another run; the same seed, the same run', async () => {
  const loss = (r: { out: string }) => /iris on cpu: .*; loss ([\d.]+)/.exec(r.out)?.[1];
  const a = await run('train', 'iris', '--epochs', '2', '--seed', '3', '--lr', '0.001');
  expect(loss(a)).toMatch(/^\d/);
  expect(loss(await run('train', 'iris', '--epochs', '2', '--seed', '3', '--lr', '0.001'))).toBe(loss(a));
  expect(loss(await run('train', 'iris', '--epochs', '2', '--seed', '4', '--lr', '0.001'))).not.toBe(loss(a));
});

test('train on a terminal: a chart of the loss per epoch before the summary', async () => {
  const io = bufferIo({ isTTY: true, columns: 60 });
  expect(await main(['train', 'seed', '--epochs', '30', '--lr', '0.1'], io)).toBe(0);
  const text = io.text();
  // The loss falls more than tenfold: a log scale, whose top label is still the first epoch's loss.
  const chart = /loss per epoch \(30 epochs, log scale\):\n {4}([\d.]+) ┼/.exec(text);
  expect(chart?.[1]).toBe(/^Epoch 1\/30 - .* - loss: ([\d.]+)/m.exec(text)?.[1]);
  expect(text.match(/^ +[\d.]+ [┤┼]/gm)?.length).toBe(9);
  expect(text.indexOf('loss per epoch')).toBeLessThan(text.indexOf('seed on cpu:'));
});

test('conformance --group: only those groups of cases', async () => {
  const r = await run('conformance', '--backend', 'cpu', '--group', 'rng,indices');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^cpu: 57 cases in [\d.]+ s$/m);
});

test('info: every registered backend, available or why not; ONNX Runtime versions and threads', async () => {
  const r = await run('info');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(new RegExp(`^Node ${process.version.replace(/\./g, '\\.')} on ${process.platform}`, 'm'));
  for (const name of nb.listBackends()) expect(r.out).toMatch(new RegExp(`^${name}: (available \\(|not available\\n  why: .+)`, 'm'));
  expect(r.out).toMatch(/^cpu: available \(float32, float64, int32, bool\)$/m);
  const version = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  expect(r.out).toContain(`onnx: available (float32, float64, int32, bool)\n  ONNX Runtime ${version} (onnxruntime-node, native)`);
  expect(r.out).toMatch(/intra-op threads: /);
  expect(r.out).toMatch(/onnx-wasm: available .*\n {2}ONNX Runtime Web [\d.]+ .*\n {2}threads: 1/);
});
