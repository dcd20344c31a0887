import { lstat, readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { exportOnnx } from '@nabla/backend-onnx/export';
import { saveModel } from '@nabla/nn';
import { UsageError } from '../args.js';
import { useBackend } from '../backends.js';
import type { ExampleOptions } from '../examples/options.js';
import type { Io } from '../io.js';
import { historySvg, SVG_MARK, terminalChart, writeOwnFile } from '../plot.js';
import { progressOn } from '../progress.js';
import type { Trainable, TrainOutcome } from '../trainables.js';

export interface TrainOptions {
  backend?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  save?: string;
  exportOnnx?: string;
  plot?: string;
}

/** Fails before training (which may take minutes) where a file could not be written after it. */
async function checkDestinations(opts: TrainOptions): Promise<void> {
  if (opts.plot !== undefined && !opts.plot.toLowerCase().endsWith('.svg'))
    throw new UsageError(`train: --plot writes an SVG file: give a name ending in .svg, got '${opts.plot}'`);
  for (const [flag, path] of [
    ['--plot', opts.plot],
    ['--export-onnx', opts.exportOnnx],
  ] as const) {
    if (path !== undefined && (await lstat(path).catch(() => undefined))?.isDirectory())
      throw new UsageError(`train: ${flag} ${path} is a folder; give a file name`);
  }
  if (opts.save !== undefined) {
    const stat = await lstat(opts.save).catch(() => undefined);
    if (stat && !stat.isDirectory()) throw new UsageError(`train: --save ${opts.save} is a file; --save takes a folder`);
    // Part of saveModel's rule (it checks it all when it writes): a folder of files must hold a saved model.
    const names = stat ? await readdir(opts.save) : [];
    if (names.length > 0 && !names.includes('model.json'))
      throw new UsageError(
        `train: --save ${opts.save} is a folder of other files; nabla saves into a new or empty folder, or over a model it saved`,
      );
  }
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3);
}

/** The run's one-line summary: the last epoch's loss and metrics, time, speed, and the target. */
function summary(t: Trainable, backend: string, r: TrainOutcome): string {
  const last = Object.entries(r.history.history)
    .filter(([k]) => k !== 'lr')
    .map(([k, v]) => `${k} ${fmt(v[v.length - 1])}`)
    .join(', ');
  const speed = (r.trainSamples * r.epochs) / r.trainSeconds;
  const target = r.target.met ? `target met (${r.target.text})` : `target NOT met (${r.target.text})`;
  return `${t.name} on ${backend}: ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} in ${r.trainSeconds.toFixed(1)} s, ${speed.toFixed(0)} samples/s; ${last}; ${r.figures}; ${target}`;
}

/**
 * `nabla train <example>`: trains one example's model with the progress bar, then (as asked)
 * saves it, exports it to ONNX and plots its history; ends with a summary line. Exit code 1
 * when the example misses its target.
 */
export async function train(t: Trainable, opts: TrainOptions, io: Io): Promise<number> {
  await checkDestinations(opts);
  const backend = useBackend(opts.backend);
  const options: ExampleOptions = {
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    learningRate: opts.lr,
    seed: opts.seed,
    validation: true,
    ...progressOn(io, 1),
  };
  const d = t.defaults;
  io.out(
    `${t.name}: ${t.description}; on ${backend}, ${options.epochs ?? d.epochs} epochs, batch ${options.batchSize ?? d.batchSize}, learning rate ${options.learningRate ?? d.learningRate}`,
  );
  const r = await t.run(io.out, options);
  try {
    if (opts.save !== undefined) {
      await saveModel(r.model, opts.save);
      const custom = t.customLoss
        ? ` (its loss is this example's function ${t.customLoss}: to train on, loadModel(dir, { customObjects: { ${t.customLoss} } }); nabla predict needs nothing)`
        : '';
      io.out(`saved the model to ${resolve(opts.save)}${custom}`);
    }
    if (opts.exportOnnx !== undefined) {
      await exportOnnx(r.model, opts.exportOnnx);
      io.out(`exported the model to ${resolve(opts.exportOnnx)}`);
    }
    if (opts.plot !== undefined) {
      const title = `nabla train ${t.name} (${backend}, ${r.epochs} epochs)`;
      await writeOwnFile('train', opts.plot, await historySvg(r.history.history, title), SVG_MARK);
      io.out(`wrote the loss and metrics per epoch to ${resolve(opts.plot)}`);
    }
    if (io.stdout.isTTY && r.history.history.loss?.length > 1) io.out(terminalChart(r.history.history.loss, io.stdout.columns || 80));
    io.out(summary(t, backend, r));
    return r.target.met ? 0 : 1;
  } finally {
    r.model.dispose();
  }
}
