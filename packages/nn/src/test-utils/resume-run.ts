import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import {
  Adam,
  cosineDecay,
  Dense,
  Dropout,
  exponentialDecay,
  loadModel,
  type Model,
  type Optimizer,
  piecewiseConstantDecay,
  RMSprop,
  type SaveOptions,
  Sequential,
  SGD,
  saveModel,
} from '../index.js';
import { onBackend } from './on-backend.js';

/**
 * A run of EPOCHS epochs, uninterrupted or saved after SPLIT epochs and resumed by loadModel and
 * fit with `initialEpoch` (the optimizer-state tests), each part on a backend of its own.
 */

const made: string[] = [];
/** Removes the folders tmp() made (afterAll). */
export function removeFolders(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
}
export function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-resume-'));
  made.push(dir);
  return dir;
}

const FEATURES = 72;
const N = 50; // batch 16: every epoch ends with a batch of 2
export const FIT = { batchSize: 16, seed: 5, verbose: 0 } as const;
export const EPOCHS = 4;
export const SPLIT = 2;

/** Data of a fixed formula, made on the current backend. */
export function data() {
  const xs = new Float32Array(N * FEATURES);
  for (let i = 0; i < xs.length; i++) xs[i] = Math.sin(0.37 * i) + 0.3 * Math.cos(1.7 * i);
  const ys = new Float32Array(N * 3);
  for (let i = 0; i < ys.length; i++) ys[i] = Math.cos(0.11 * i);
  return { x: nb.tensor(xs, [N, FEATURES]), y: nb.tensor(ys, [N, 3]) };
}

/**
 * Large and small parameters: the first kernel (72 x 60 = 4320 elements) is over FLAT_SLOT_LIMIT
 * and has slots of its own; the five others share flat slots on cpu. Dropout draws per step from
 * the step counter, so it checks that the counter is restored too.
 */
export function make(optimizer: () => Optimizer): Sequential {
  const m = new Sequential([
    new Dense(60, { inputShape: [FEATURES], activation: 'tanh' }),
    new Dropout(0.1),
    new Dense(12, { activation: 'relu' }),
    new Dense(3),
  ]);
  m.compile({ optimizer: optimizer(), loss: 'meanSquaredError' });
  return m;
}

export const read = (m: Model) => Promise.all(m.weights.map((w) => w.value.data()));

export const OPTIMIZERS: [string, () => Optimizer][] = [
  ['Adam', () => new Adam({ learningRate: 0.01 })],
  [
    'Adam (amsgrad) with a piecewise-constant schedule',
    () => new Adam({ amsgrad: true, learningRate: piecewiseConstantDecay({ boundaries: [5], values: [0.02, 0.005] }) }),
  ],
  [
    'RMSprop (momentum, centered) with an exponential decay',
    () =>
      new RMSprop({
        learningRate: exponentialDecay({ initialLearningRate: 0.01, decaySteps: 3, decayRate: 0.5 }),
        momentum: 0.5,
        centered: true,
      }),
  ],
  [
    'SGD (Nesterov momentum) with a cosine decay',
    () => new SGD({ learningRate: cosineDecay({ initialLearningRate: 0.1, decaySteps: 16 }), momentum: 0.9, nesterov: true }),
  ],
];

/** A fresh model's initial weights (on the host), which both runs start from. */
export async function initialWeights(optimizer: () => Optimizer): Promise<nb.TypedArray[]> {
  return read(make(optimizer));
}

function fromInitial(optimizer: () => Optimizer, initial: nb.TypedArray[]): Sequential {
  const m = make(optimizer);
  m.setWeights(initial.map((v, i) => nb.tensor(v.slice(), m.weights[i].shape)));
  return m;
}

/** The uninterrupted run: EPOCHS epochs from the given initial weights. */
export function uninterrupted(optimizer: () => Optimizer, initial: nb.TypedArray[], backend = 'cpu') {
  return onBackend(backend, async () => {
    const { x, y } = data();
    const m = fromInitial(optimizer, initial);
    const history = await m.fit(x, y, { ...FIT, epochs: EPOCHS });
    return { history: history.history.loss, weights: await read(m), iterations: m.compiled?.iterations as number };
  });
}

/** SPLIT epochs, saved to a new folder (returned) with these save options. */
export function firstPart(optimizer: () => Optimizer, initial: nb.TypedArray[], options?: SaveOptions, backend = 'cpu') {
  return onBackend(backend, async () => {
    const { x, y } = data();
    const m = fromInitial(optimizer, initial);
    const history = await m.fit(x, y, { ...FIT, epochs: SPLIT });
    const dir = join(tmp(), 'model');
    await saveModel(m, dir, options);
    return { dir, history: history.history.loss };
  });
}

/** Loads the folder on `backend` and fits the remaining epochs there. */
export function resume(dir: string, backend = 'cpu') {
  return onBackend(backend, async () => {
    const m = await loadModel(dir);
    const { x, y } = data();
    const history = await m.fit(x, y, { ...FIT, epochs: EPOCHS, initialEpoch: SPLIT });
    return { model: m, history: history.history.loss, weights: await read(m), iterations: m.compiled?.iterations };
  });
}
