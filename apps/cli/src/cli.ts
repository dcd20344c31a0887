import '@nabla/backend-cpu';
import '@nabla/backend-onnx';
import '@nabla/backend-webgpu';
import * as nb from '@nabla/core';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { backendList, backendName, integer, listOf, names, positiveInt, positiveNumber, UsageError } from './args.js';
import { releaseBackends, useBackend } from './backends.js';
import { bench } from './commands/bench.js';
import { conformance } from './commands/conformance.js';
import { EXAMPLE_NAMES, examples } from './commands/examples.js';
import { info } from './commands/info.js';
import { predict } from './commands/predict.js';
import { train } from './commands/train.js';
import { type Io, processIo } from './io.js';
import { findTrainable, NOT_TRAINABLE, TRAINABLES, type Trainable } from './trainables.js';

/** Exit codes, as command-line convention has them. */
export const OK = 0;
export const FAILED = 1;
export const USAGE = 2;

function trainable(value: string): Trainable {
  const t = findTrainable(value);
  if (t) return t;
  const names = TRAINABLES.map((x) => x.name).join(', ');
  const why = NOT_TRAINABLE[value];
  throw new InvalidArgumentError(
    why
      ? `'${value}' is not trained by nabla train: ${why}. The examples: ${names}.`
      : `unknown example '${value}'. The examples: ${names}.`,
  );
}

function trainHelp(): string {
  const width = Math.max(...TRAINABLES.map((t) => t.name.length));
  const lines = TRAINABLES.map((t) => {
    const d = t.defaults;
    const also = t.aliases.length ? ` (also ${t.aliases.join(', ')})` : '';
    return `  ${t.name.padEnd(width)}  ${t.description}${also}\n  ${' '.repeat(width)}  defaults: ${d.epochs} epochs, batch ${d.batchSize}, learning rate ${d.learningRate}${t.slow ? '; minutes on cpu, a minute or less on onnx' : ''}`;
  });
  return `\nExamples:\n${lines.join('\n')}\n\nExit code 0 when the example meets its target, 1 when it does not, 2 for a mistake in the command.`;
}

/** The `nabla` program: its commands write to `io`; `run` receives each action's exit code. */
function program(io: Io, run: (code: Promise<number>) => void): Command {
  const write = (to: 'out' | 'err') => (text: string) => (to === 'out' ? io.stdout.write(text) : io.err(text.replace(/\n$/, '')));
  const cmd = new Command('nabla')
    .description('nabla: train the examples, predict with saved models, check and benchmark the backends')
    .exitOverride()
    .configureOutput({ writeOut: write('out'), writeErr: write('err') })
    .showHelpAfterError(`(the commands: examples, train, predict, conformance, bench, info; nabla --help says more)`)
    .helpCommand(true);

  cmd
    .command('examples')
    .description(
      'train every example on one backend and check each against its target (mnist-cnn and char-transformer run by default on onnx alone: minutes elsewhere)',
    )
    .option('--backend <name>', 'the backend (default: NABLA_BACKEND, else cpu)', backendName)
    .option(
      '--only <names>',
      `examples to run, comma-separated, on any backend: ${EXAMPLE_NAMES.join(', ')}`,
      listOf('example', () => EXAMPLE_NAMES),
    )
    .action((opts: { backend?: string; only?: string[] }) => {
      useBackend(opts.backend);
      run(examples(opts.only, io));
    });

  cmd
    .command('train')
    .description("train one example's model: progress bar, summary line, and optionally save, export and plot it")
    .argument('<example>', `which: ${TRAINABLES.map((t) => t.name).join(', ')}`, trainable)
    .option('--backend <name>', 'the backend (default: NABLA_BACKEND, else cpu)', backendName)
    .option('--epochs <n>', "epochs (default: the example's)", positiveInt)
    .option('--batch-size <n>', "samples per step (default: the example's)", positiveInt)
    .option('--lr <x>', "Adam's learning rate (the LSTM's and GRU's initial one before the cosine decay)", positiveNumber)
    .option('--seed <n>', "seeds the initial weights and the shuffle (default: the example's fixed seeds)", integer)
    .option('--save <dir>', 'save the trained model to this folder (new, empty, or a model nabla saved)')
    .option('--export-onnx <file>', 'export the trained model as an .onnx file')
    .option('--plot <file.svg>', 'write the loss and metrics per epoch (validation too) as an SVG chart')
    .addHelpText('after', trainHelp)
    .action((t: Trainable, opts) => run(train(t, opts, io)));

  cmd
    .command('predict')
    .description('predict with a saved model: input from a .json file (nested arrays) or a .npy file; predictions as JSON')
    .requiredOption('--model <dir>', 'the folder of a saved model (nabla train --save, or saveModel)')
    .requiredOption('--input <file>', 'FILE.json (nested arrays of numbers) or FILE.npy, shaped [samples, ...the model input]')
    .option('--backend <name>', 'the backend (default: NABLA_BACKEND, else cpu)', backendName)
    .option('--output <file>', 'write the predictions to this file instead of printing them')
    .action((opts) => run(predict(opts, io)));

  cmd
    .command('conformance')
    .description('run the conformance suite on each backend and across each pair; prints the summary and every failure')
    .option('--backend <names>', 'backends, comma-separated (default: NABLA_BACKEND, else cpu)', backendList)
    .option('--group <groups>', 'only these groups of cases, comma-separated (forward, gradient, ..., cross-training)', names('group'))
    .option('--out <dir>', 'also write DIR/conformance.md (the matrix) and DIR/conformance.json')
    .action((opts: { backend?: string[]; group?: string[]; out?: string }) => {
      run(conformance({ backends: opts.backend ?? [useBackend(undefined)], groups: opts.group, out: opts.out }, io));
    });

  cmd
    .command('bench')
    .description("run apps/bench's harness: nabla's backends beside TensorFlow.js (and PyTorch where installed), medians and ratios")
    .option('--backend <names>', 'backends, comma-separated (default: the CPU backends; the gpu- workloads add the GPU ones)', backendList)
    .option('--workload <names>', 'workloads, comma-separated (default: all but the gpu- ones)', names('workload'))
    .option('--sizes <list>', 'matrix sizes for matmul and gpu-matmul, comma-separated', (v: string) =>
      v.split(',').map(positiveInt).join(','),
    )
    .option('--out <dir>', 'where the results JSON goes (default: bench-results)')
    .action((opts) => run(bench(opts)));

  cmd
    .command('info')
    .description('the backends registered here: available or why not, runtime versions and threads, the WebGPU adapter and its limits')
    .action(() => run(info(io)));

  // After any mistake, the command's options (the valid choices for an unknown one).
  for (const c of cmd.commands) {
    const flags = c.options.map((o) => o.long).filter((f) => f !== undefined && f !== '--help');
    c.showHelpAfterError(`(nabla ${c.name()} takes ${flags.length ? flags.join(', ') : 'no options'}; nabla ${c.name()} --help says more)`);
  }
  return cmd;
}

/**
 * Runs the nabla command with `argv` (the words after `nabla`) and returns its exit code: 0 ok,
 * 1 a failure (an example missing its target, a failed conformance case, an error while
 * running), 2 a mistake in the command. Output goes to `io`. The backends it used are released
 * and the backend selected before it is selected again.
 */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let action: Promise<number> | undefined;
  const previous = safeBackend();
  let code: number;
  try {
    await program(io, (p) => {
      action = p;
      p.catch(() => undefined); // awaited below, once parsing returns: not an unhandled rejection meanwhile
    }).parseAsync(argv, { from: 'user' });
    code = action ? await action : OK;
  } catch (e) {
    code = report(e, io);
  } finally {
    for (const problem of await releaseBackends()) io.err(`nabla: releasing a backend failed: ${problem}`);
    if (previous !== undefined) nb.setBackend(previous);
  }
  return code;
}

function safeBackend(): string | undefined {
  try {
    return nb.getBackend();
  } catch {
    return undefined; // NABLA_BACKEND names no registered backend: the command says so
  }
}

/** The exit code of an error, after saying it: commander's usage errors (already printed) and ours are 2, the rest 1. */
function report(e: unknown, io: Io): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? OK : USAGE;
  if (e instanceof UsageError) {
    io.err(`error: ${e.message}`);
    return USAGE;
  }
  io.err(`error: ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.NABLA_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
  return FAILED;
}
