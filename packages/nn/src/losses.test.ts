import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { checkGradients, expectClose, values } from '../../core/src/test-utils/gradcheck.js';
import { getActivation } from './activations.js';
import {
  binaryCrossentropy,
  binaryCrossentropyLoss,
  categoricalCrossentropy,
  categoricalCrossentropyLoss,
  getLoss,
  huber,
  huberLoss,
  type LossFn,
  meanAbsoluteError,
  meanSquaredError,
  sparseCategoricalCrossentropy,
  sparseCategoricalCrossentropyLoss,
} from './losses.js';

const f64 = (v: number[] | number[][], shape?: number[]) => nb.tensor(v as number[], shape, 'float64');
const item = async (t: nb.Tensor) => (await t.data())[0];
const logit = (p: number) => Math.log(p / (1 - p));

describe('regression losses: values', () => {
  const yTrue = f64([
    [0, 1],
    [2, 3],
  ]);
  const yPred = f64([
    [1, 1],
    [0, 0],
  ]);

  test('meanSquaredError', async () => {
    // errors [1,0] and [-2,-3]; squares [1,0], [4,9]; per sample 0.5 and 6.5; batch mean 3.5
    const l = meanSquaredError(yTrue, yPred);
    expect(l.shape).toEqual([]);
    expect(l.dtype).toBe('float64');
    expect(await item(l)).toBe(3.5);
  });

  test('meanAbsoluteError', async () => {
    // |errors| [1,0], [2,3]; per sample 0.5 and 2.5; batch mean 1.5
    expect(await item(meanAbsoluteError(yTrue, yPred))).toBe(1.5);
  });

  test('huber, delta 1 and 2', async () => {
    const t = f64([
      [0, 0],
      [1, 1],
    ]);
    const p = f64([
      [0.5, -2],
      [1, 4],
    ]);
    // |e| = [0.5, 2], [0, 3]. delta 1: 0.5*0.25 = 0.125; 1*2 - 0.5 = 1.5; 0; 1*3 - 0.5 = 2.5
    // per sample (0.125 + 1.5)/2 = 0.8125 and 2.5/2 = 1.25; mean 1.03125
    expect(await item(huber(t, p))).toBe(1.03125);
    expect(await item(huberLoss(t, p))).toBe(1.03125);
    // delta 2: 0.125; 0.5*4 = 2 (quadratic up to |e| = 2); 0; 2*3 - 0.5*4 = 4
    // per sample 2.125/2 = 1.0625 and 4/2 = 2; mean 1.53125
    expect(await item(huberLoss(t, p, 2))).toBe(1.53125);
    expect(() => huberLoss(t, p, 0)).toThrow('huber: delta must be a positive number, got 0');
  });

  test('rank 1 and rank 3 inputs average every element', async () => {
    // [1, 3] vs [0, 0]: squares 1 and 9, mean 5
    expect(await item(meanSquaredError(f64([1, 3]), f64([0, 0])))).toBe(5);
    // [2,1,2]: squares 0..3 then 4..7 doubled -> (0+1+4+9+16+25+36+49)/8 = 17.5
    expect(await item(meanSquaredError(nb.zeros([2, 1, 4], 'float64'), nb.arange(0, 8, 1, 'float64').reshape([2, 1, 4])))).toBe(17.5);
  });

  test('dtypes: int32 yTrue meets float32 yPred; integer yPred becomes float32', async () => {
    const l = meanSquaredError(nb.tensor([1, 2], [2], 'int32'), nb.tensor([1.5, 2]));
    expect(l.dtype).toBe('float32');
    // squares 0.25 and 0, mean 0.125
    expect(await item(l)).toBe(0.125);
    const li = meanAbsoluteError(nb.tensor([0, 0], [2], 'int32'), nb.tensor([1, 2], [2], 'int32'));
    expect(li.dtype).toBe('float32');
    expect(await item(li)).toBe(1.5);
  });
});

describe('binary crossentropy', () => {
  const yTrue = f64([
    [1, 0],
    [1, 1],
  ]);
  const probs = [
    [0.8, 0.3],
    [0.6, 0.9],
  ];
  // -log 0.8 = 0.2231, -log(1 - 0.3) = 0.3567, -log 0.6 = 0.5108, -log 0.9 = 0.1054; each sample
  // averages its two, the batch averages the samples: the sum over 4 = 0.29900
  const expected = (-Math.log(0.8) - Math.log(0.7) - Math.log(0.6) - Math.log(0.9)) / 4;

  test('probabilities', async () => {
    expectClose([await item(binaryCrossentropy(yTrue, f64(probs)))], [expected], 1e-12, 0);
    expect(expected).toBeCloseTo(0.299001, 6);
  });

  test('from logits agrees with probabilities', async () => {
    const logits = f64(probs.map((r) => r.map(logit)));
    expectClose([await item(binaryCrossentropyLoss({ fromLogits: true })(yTrue, logits))], [expected], 1e-12, 0);
  });

  test('probabilities are clipped to [1e-7, 1 - 1e-7]', async () => {
    // p = 1 for label 0 and p = 0 for label 1: each term is -log(1e-7) = 16.118, not Infinity
    const l = await item(binaryCrossentropy(f64([0, 1]), f64([1, 0])));
    expectClose([l], [-Math.log(1e-7)], 1e-6, 0);
  });

  test('logits of +-1000: finite loss and gradient', async () => {
    const z = nb.tensor([
      [1, 0],
      [0, 1],
    ]);
    const x = nb.tensor([
      [1000, -1000],
      [1000, -1000],
    ]);
    const bce = binaryCrossentropyLoss({ fromLogits: true });
    // per element max(x,0) - x z + log1p(exp(-|x|)): 0, 0, 1000, 1000; mean 500
    const { value: v, grads: g } = nb.valueAndGrad((p: nb.Tensor) => bce(z, p))(x);
    expect(await item(v)).toBe(500);
    // d/dx = (sigmoid(x) - z) / 4: [0, 0], [0.25, -0.25]
    expect(await g.array()).toEqual([
      [0, 0],
      [0.25, -0.25],
    ]);
  });

  test('gradient at logit 0 is (0.5 - z) / n', async () => {
    const bce = binaryCrossentropyLoss({ fromLogits: true });
    const g = nb.grad((p: nb.Tensor) => bce(nb.tensor([1, 0]), p))(nb.tensor([0, 0]));
    expect(await g.array()).toEqual([-0.25, 0.25]);
  });
});

describe('categorical crossentropy', () => {
  const yTrue = f64([
    [0, 1, 0],
    [1, 0, 0],
  ]);
  // -log 0.7 and -log 0.5, averaged: 0.52492
  const expected = (-Math.log(0.7) - Math.log(0.5)) / 2;
  const probs = f64([
    [0.2, 0.7, 0.1],
    [0.5, 0.25, 0.25],
  ]);

  test('probabilities, one-hot targets', async () => {
    expectClose([await item(categoricalCrossentropy(yTrue, probs))], [expected], 1e-12, 0);
  });

  test('unnormalized probabilities are divided by their sum, as Keras does', async () => {
    // [2,7,1]/10 = [0.2,0.7,0.1] and [2,1,1]/4 = [0.5,0.25,0.25]
    const raw = f64([
      [2, 7, 1],
      [2, 1, 1],
    ]);
    expectClose([await item(categoricalCrossentropy(yTrue, raw))], [expected], 1e-12, 0);
  });

  test('soft targets', async () => {
    // -(0.5 log 0.25 + 0.5 log 0.25 + 0 log 0.5) = log 4
    const l = await item(categoricalCrossentropy(f64([[0.5, 0.5, 0]]), f64([[0.25, 0.25, 0.5]])));
    expectClose([l], [Math.log(4)], 1e-12, 0);
  });

  test('probability 0 on the true class is clipped: -log(1e-7)', async () => {
    const l = await item(categoricalCrossentropy(f64([[1, 0]]), f64([[0, 1]])));
    expectClose([l], [-Math.log(1e-7)], 1e-6, 0);
  });

  test('from logits agrees with probabilities (logits = log p + any row constant)', async () => {
    const logits = f64([
      [Math.log(0.2) + 3, Math.log(0.7) + 3, Math.log(0.1) + 3],
      [Math.log(0.5) - 1, Math.log(0.25) - 1, Math.log(0.25) - 1],
    ]);
    expectClose([await item(categoricalCrossentropyLoss({ fromLogits: true })(yTrue, logits))], [expected], 1e-12, 0);
  });

  test('logits of +-1000: finite loss and gradient', async () => {
    const cce = categoricalCrossentropyLoss({ fromLogits: true });
    const t = nb.tensor([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const x = nb.tensor([
      [1000, -1000, 0],
      [1000, -1000, 0],
    ]);
    // logSoftmax rows: [0, -2000, -1000]; losses 2000 and 0; mean 1000
    const { value: v, grads: g } = nb.valueAndGrad((p: nb.Tensor) => cce(t, p))(x);
    expect(await item(v)).toBe(1000);
    // (softmax - yTrue) / 2: softmax is [1, 0, 0] in both rows
    expect(await g.array()).toEqual([
      [0.5, -0.5, 0],
      [0, 0, 0],
    ]);
  });
});

describe('sparse categorical crossentropy', () => {
  const probs = f64([
    [0.2, 0.7, 0.1],
    [0.5, 0.25, 0.25],
  ]);
  const expected = (-Math.log(0.7) - Math.log(0.5)) / 2;

  test('int32 labels [batch], float labels [batch, 1]', async () => {
    const a = sparseCategoricalCrossentropy(nb.tensor([1, 0], [2], 'int32'), probs);
    expect(a.dtype).toBe('float64');
    expectClose([await item(a)], [expected], 1e-12, 0);
    const b = sparseCategoricalCrossentropy(f64([[1], [0]]), probs);
    expectClose([await item(b)], [expected], 1e-12, 0);
  });

  test('from logits agrees with probabilities', async () => {
    const logits = nb.log(probs);
    const l = sparseCategoricalCrossentropyLoss({ fromLogits: true })(nb.tensor([1, 0], [2], 'int32'), logits);
    expectClose([await item(l)], [expected], 1e-12, 0);
  });

  test('logits of +-1000: finite loss and gradient', async () => {
    const scce = sparseCategoricalCrossentropyLoss({ fromLogits: true });
    const x = nb.tensor([
      [1000, -1000, 0],
      [1000, -1000, 0],
    ]);
    // labels 1 and 0: losses 2000 and 0, mean 1000; gradient (softmax - onehot) / 2
    const { value: v, grads: g } = nb.valueAndGrad((p: nb.Tensor) => scce(nb.tensor([1, 0], [2], 'int32'), p))(x);
    expect(await item(v)).toBe(1000);
    expect(await g.array()).toEqual([
      [0.5, -0.5, 0],
      [0, 0, 0],
    ]);
  });

  test('a label outside [0, classes) fails when computed, naming the label and its place in yTrue', () => {
    // Label 3 of row 0 would be row 1's first entry in a flattened [2*3] tensor: still an error.
    const l = sparseCategoricalCrossentropy(nb.tensor([3, 0], [2], 'int32'), probs);
    expect(() => l.dataSync()).toThrow('sparseCategoricalCrossentropy: label 3 at position [0] is out of range for 3 classes');
    const n = sparseCategoricalCrossentropy(nb.tensor([0, -1], [2], 'int32'), probs);
    expect(() => n.dataSync()).toThrow('sparseCategoricalCrossentropy: label -1 at position [1] is out of range for 3 classes');
    const column = sparseCategoricalCrossentropy(f64([[1], [5]]), probs);
    expect(() => column.dataSync()).toThrow('sparseCategoricalCrossentropy: label 5 at position [1,0] is out of range for 3 classes');
    // A NaN label would cast to class 0; it is rejected instead (reported as -1).
    const nan = sparseCategoricalCrossentropy(f64([0, Number.NaN]), probs);
    expect(() => nan.dataSync()).toThrow('sparseCategoricalCrossentropy: label -1 at position [1] is out of range for 3 classes');
    // Its gradient alone (no loss value read) checks the labels too.
    const g = nb.grad((p: nb.Tensor) => sparseCategoricalCrossentropy(nb.tensor([1, 7], [2], 'int32'), p))(probs);
    expect(() => g.dataSync()).toThrow('sparseCategoricalCrossentropy: label 7 at position [1] is out of range for 3 classes');
  });
});

describe("the softmax activation's outputs (Keras 3: losses read the cached logits)", () => {
  test('cross-entropies work from the logits: no clipping of the loss or of its gradient', async () => {
    const softmax = getActivation('softmax').fn;
    const z = f64([[100, 0, -100]]);
    const labels = nb.tensor([2], [1], 'int32');
    // From the logits: -logSoftmax(z)[2] = 200 (to 1e-40). Clipped probabilities would give -log(1e-7).
    expect(await sparseCategoricalCrossentropy(labels, softmax(z)).item()).toBeCloseTo(200, 9);
    expect(await categoricalCrossentropy(f64([[0, 0, 1]]), softmax(z)).item()).toBeCloseTo(200, 9);
    expect(await sparseCategoricalCrossentropy(labels, nb.softmax(z, -1)).item()).toBeCloseTo(-Math.log(1e-7), 6);
    // d/dz = softmax(z) - onehot(2) = [1, 0, -1]; through the clip it would be 0.
    const g = nb.grad((x: nb.Tensor) => sparseCategoricalCrossentropy(labels, softmax(x)))(z);
    expectClose(await g.data(), [1, 0, -1], 1e-12, 1e-12);
  });
});

describe('gradients w.r.t. yPred (float64 central differences)', () => {
  const t23 = f64(values(6, -1, 1, 11), [2, 3]);
  const labels01 = f64([1, 0, 0, 1, 1, 0], [2, 3]);
  const oneHot = f64([0, 0, 1, 1, 0, 0], [2, 3]);
  const soft = f64([0.2, 0.3, 0.5, 0.6, 0.1, 0.3], [2, 3]);
  const cases: [string, LossFn, nb.Tensor, number[]][] = [
    ['meanSquaredError', meanSquaredError, t23, values(6, -1, 1, 12)],
    ['meanAbsoluteError', meanAbsoluteError, t23, values(6, 1.5, 2, 13)],
    // errors within and beyond delta, none near |e| = 1
    ['huber', huber, f64([0, 0, 0, 0, 0, 0], [2, 3]), [0.3, -0.6, 2, -3, 0.1, 1.7]],
    ['huberLoss delta 2', (a, b) => huberLoss(a, b, 2), f64([0, 0, 0, 0, 0, 0], [2, 3]), [0.3, -1.6, 2.5, -3, 0.1, 1.7]],
    ['binaryCrossentropy', binaryCrossentropy, labels01, values(6, 0.05, 0.95, 14)],
    ['binaryCrossentropy soft labels', binaryCrossentropy, soft, values(6, 0.05, 0.95, 15)],
    ['binaryCrossentropy fromLogits', binaryCrossentropyLoss({ fromLogits: true }), labels01, values(6, -4, 4, 16)],
    ['categoricalCrossentropy', categoricalCrossentropy, oneHot, values(6, 0.1, 2, 17)],
    ['categoricalCrossentropy soft', categoricalCrossentropy, soft, values(6, 0.1, 2, 18)],
    ['categoricalCrossentropy fromLogits', categoricalCrossentropyLoss({ fromLogits: true }), soft, values(6, -3, 3, 19)],
    ['sparseCategoricalCrossentropy', sparseCategoricalCrossentropy, nb.tensor([2, 0], [2], 'int32'), values(6, 0.1, 2, 20)],
    [
      'sparseCategoricalCrossentropy fromLogits',
      sparseCategoricalCrossentropyLoss({ fromLogits: true }),
      f64([[1], [2]]),
      values(6, -3, 3, 21),
    ],
  ];
  for (const [name, loss, yTrue, pred] of cases) {
    test(name, () => {
      checkGradients((p) => loss(yTrue, p), [pred], { shapes: [[2, 3]] });
    });
  }
});

describe('errors', () => {
  test('shape mismatches name the loss and both shapes', () => {
    const a = nb.zeros([2, 3]);
    const b = nb.zeros([2, 4]);
    expect(() => meanSquaredError(a, b)).toThrow(new nb.NablaError('meanSquaredError: yTrue shape [2,3] differs from yPred shape [2,4]'));
    expect(() => meanAbsoluteError(a, b)).toThrow('meanAbsoluteError: yTrue shape [2,3] differs from yPred shape [2,4]');
    expect(() => huber(a, b)).toThrow('huber: yTrue shape [2,3] differs from yPred shape [2,4]');
    expect(() => binaryCrossentropy(a, b)).toThrow('binaryCrossentropy: yTrue shape [2,3] differs from yPred shape [2,4]');
    expect(() => categoricalCrossentropy(a, b)).toThrow('categoricalCrossentropy: yTrue shape [2,3] differs from yPred shape [2,4]');
    expect(() => categoricalCrossentropyLoss({ fromLogits: true })(nb.zeros([3]), nb.zeros([3, 1]))).toThrow(
      'categoricalCrossentropy: yTrue shape [3] differs from yPred shape [3,1]',
    );
  });

  test('sparse labels must be [batch] or [batch, 1]', () => {
    const p = nb.zeros([2, 3]);
    expect(() => sparseCategoricalCrossentropy(nb.zeros([2, 3]), p)).toThrow(
      new nb.NablaError(
        'sparseCategoricalCrossentropy: yTrue shape [2,3] does not fit yPred shape [2,3]: expected class indices of shape [2] or [2,1]',
      ),
    );
    expect(() => sparseCategoricalCrossentropy(nb.zeros([3], 'int32'), p)).toThrow('yTrue shape [3] does not fit yPred shape [2,3]');
    expect(() => sparseCategoricalCrossentropy(nb.scalar(0), nb.scalar(1))).toThrow(
      'sparseCategoricalCrossentropy: yPred must have a class axis, got a scalar',
    );
  });
});

describe('getLoss', () => {
  test('Keras and TF.js names', () => {
    const names: [string, string][] = [
      ['meanSquaredError', 'meanSquaredError'],
      ['mse', 'meanSquaredError'],
      ['mean_squared_error', 'meanSquaredError'],
      ['meanAbsoluteError', 'meanAbsoluteError'],
      ['mae', 'meanAbsoluteError'],
      ['huber', 'huber'],
      ['binaryCrossentropy', 'binaryCrossentropy'],
      ['binary_crossentropy', 'binaryCrossentropy'],
      ['categoricalCrossentropy', 'categoricalCrossentropy'],
      ['categorical_crossentropy', 'categoricalCrossentropy'],
      ['sparseCategoricalCrossentropy', 'sparseCategoricalCrossentropy'],
      ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy'],
    ];
    for (const [id, name] of names) expect(getLoss(id).name, id).toBe(name);
    expect(getLoss('mse').fn).toBe(meanSquaredError);
    expect(getLoss('sparse_categorical_crossentropy').fn).toBe(sparseCategoricalCrossentropy);
  });

  test('functions pass through with their name; factories name theirs', () => {
    const myLoss: LossFn = (a, b) => meanSquaredError(a, b);
    expect(getLoss(myLoss)).toEqual({ name: 'myLoss', fn: myLoss });
    expect(getLoss(binaryCrossentropyLoss({ fromLogits: true })).name).toBe('binaryCrossentropy');
    expect(getLoss(sparseCategoricalCrossentropyLoss({ fromLogits: true })).name).toBe('sparseCategoricalCrossentropy');
    const anonymous = [(a: nb.Tensor, b: nb.Tensor) => meanSquaredError(a, b)][0];
    expect(getLoss(anonymous).name).toBe('loss');
  });

  test('unknown names list the known ones', () => {
    expect(() => getLoss('foo')).toThrow(nb.NablaError);
    expect(() => getLoss('foo')).toThrow(
      "getLoss: unknown loss 'foo'; known: meanSquaredError, mse, mean_squared_error, meanAbsoluteError",
    );
    expect(() => getLoss('toString')).toThrow("unknown loss 'toString'");
  });
});

describe('memory', () => {
  test('a loss call leaves only its result live, also under grad', async () => {
    const t = nb.tensor([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const p = nb.tensor([
      [0.2, 0.7, 0.1],
      [0.5, 0.25, 0.25],
    ]);
    for (const loss of [huber, binaryCrossentropy, categoricalCrossentropy, categoricalCrossentropyLoss({ fromLogits: true })]) {
      const before = nb.memory().numTensors;
      const l = loss(t, p);
      expect(nb.memory().numTensors - before).toBe(1);
      await l.data();
      l.dispose();
      expect(nb.memory().numTensors).toBe(before);
    }
    const before = nb.memory().numTensors;
    const labels = nb.tensor([1, 0], [2], 'int32');
    const { value, grads } = nb.valueAndGrad((x: nb.Tensor) => sparseCategoricalCrossentropy(labels, x))(p);
    // d/dp of -log(p_label / sum p) = -1/p_label + 1/sum(p), halved by the batch mean
    expectClose(await grads.data(), [0.5, 0.5 - 0.5 / 0.7, 0.5, 0.5 - 0.5 / 0.5, 0.5, 0.5], 1e-6, 1e-7);
    // labels, value, grads
    expect(nb.memory().numTensors - before).toBe(3);
    nb.dispose([labels, value, grads]);
    expect(nb.memory().numTensors).toBe(before);
  });
});
