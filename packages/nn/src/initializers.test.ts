import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import {
  computeFans,
  constant,
  getInitializer,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  type Initializer,
  leCunNormal,
  leCunUniform,
  ones,
  orthogonal,
  randomNormal,
  randomUniform,
  serializeInitializer,
  truncatedNormal,
  varianceScaling,
  zeros,
} from './initializers.js';

function stats(data: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    s += data[i];
    min = Math.min(min, data[i]);
    max = Math.max(max, data[i]);
  }
  const mean = s / data.length;
  let v = 0;
  for (let i = 0; i < data.length; i++) v += (data[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / data.length), min, max };
}

describe('computeFans (Keras _compute_fans)', () => {
  test('rank 0 to 4', () => {
    expect(computeFans([])).toEqual([1, 1]);
    expect(computeFans([7])).toEqual([7, 7]);
    expect(computeFans([3, 5])).toEqual([3, 5]);
    // conv1d kernel [width 3, in 4, out 8]: receptive field 3 -> [12, 24]
    expect(computeFans([3, 4, 8])).toEqual([12, 24]);
    // conv2d kernel [3, 3, in 4, out 8]: receptive field 9 -> [36, 72]
    expect(computeFans([3, 3, 4, 8])).toEqual([36, 72]);
  });
});

describe('constant initializers', () => {
  test('zeros, ones, constant: shapes, dtypes, values', async () => {
    const z = zeros().apply([2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.dtype).toBe('float32');
    expect(Array.from(await z.data())).toEqual([0, 0, 0, 0, 0, 0]);
    const o = ones().apply([4], 'int32');
    expect(o.dtype).toBe('int32');
    expect(Array.from(await o.data())).toEqual([1, 1, 1, 1]);
    const c = constant({ value: 2.5 }).apply([2, 2], 'float64');
    expect(c.dtype).toBe('float64');
    expect(Array.from(await c.data())).toEqual([2.5, 2.5, 2.5, 2.5]);
    expect(await zeros().apply([]).item()).toBe(0);
    expect(zeros().apply([0, 3]).shape).toEqual([0, 3]);
  });
});

type Case = { name: string; make: (seed?: number) => Initializer };
const RANDOM: Case[] = [
  { name: 'randomUniform', make: (seed) => randomUniform({ seed }) },
  { name: 'randomNormal', make: (seed) => randomNormal({ seed }) },
  { name: 'truncatedNormal', make: (seed) => truncatedNormal({ seed }) },
  { name: 'glorotUniform', make: (seed) => glorotUniform({ seed }) },
  { name: 'glorotNormal', make: (seed) => glorotNormal({ seed }) },
  { name: 'heUniform', make: (seed) => heUniform({ seed }) },
  { name: 'heNormal', make: (seed) => heNormal({ seed }) },
  { name: 'leCunUniform', make: (seed) => leCunUniform({ seed }) },
  { name: 'leCunNormal', make: (seed) => leCunNormal({ seed }) },
  { name: 'orthogonal', make: (seed) => orthogonal({ seed }) },
];

describe('random initializers: shapes, dtypes, seeds', () => {
  for (const c of RANDOM) {
    test(c.name, async () => {
      const a = c.make(5).apply([4, 6]);
      expect(a.shape).toEqual([4, 6]);
      expect(a.dtype).toBe('float32');
      const a64 = c.make(5).apply([3, 3, 2, 4], 'float64');
      expect(a64.shape).toEqual([3, 3, 2, 4]);
      expect(a64.dtype).toBe('float64');
      // Same seed: same values, from the same instance and from a fresh one.
      const first = Array.from(await a.data());
      expect(Array.from(await c.make(5).apply([4, 6]).data())).toEqual(first);
      expect(Array.from(await c.make(5).apply([4, 6]).data())).toEqual(Array.from(await c.make(5).apply([4, 6]).data()));
      // Another seed, or no seed twice in a row (the global stream): different values.
      expect(Array.from(await c.make(6).apply([4, 6]).data())).not.toEqual(first);
      const unseeded = c.make();
      const u1 = Array.from(await unseeded.apply([4, 6]).data());
      const u2 = Array.from(await unseeded.apply([4, 6]).data());
      expect(u1).not.toEqual(u2);
      expect(Array.from(await c.make().apply([4, 6]).data())).not.toEqual(u2);
      // Random initializers need a float dtype.
      expect(() => c.make(1).apply([2, 2], 'int32')).toThrow(nb.NablaError);
      expect(() => c.make(1).apply([2, 2], 'int32')).toThrow(`${c.name}: dtype must be float32 or float64, got int32`);
    });
  }
});

describe('random initializers: statistics of large draws', () => {
  // [200, 300]: fanIn 200, fanOut 300, fanAvg 250; 60,000 samples, so the sample std is within
  // about 0.5% of the true one and 3% tolerances are wide.
  const shape = [200, 300];
  const draw = async (init: Initializer) => stats(await init.apply(shape, 'float64').data());
  type Expect = { name: string; init: Initializer; mean: number; std: number; bound: number };
  const uniformStd = (limit: number) => limit / Math.sqrt(3);
  const CASES: Expect[] = [
    // uniform in [-0.05, 0.05]: std 0.05 / sqrt(3)
    { name: 'randomUniform', init: randomUniform({ seed: 1 }), mean: 0, std: uniformStd(0.05), bound: 0.05 },
    {
      name: 'randomUniform [1, 3]',
      init: randomUniform({ minval: 1, maxval: 3, seed: 1 }),
      mean: 2,
      std: uniformStd(1),
      bound: 3,
    },
    { name: 'randomNormal', init: randomNormal({ mean: 1, stddev: 2, seed: 2 }), mean: 1, std: 2, bound: Infinity },
    // truncated at 2 sigma: std 0.05 * 0.8796 and |x - mean| <= 0.1
    { name: 'truncatedNormal', init: truncatedNormal({ seed: 3 }), mean: 0, std: 0.05 * 0.87962566103423978, bound: 0.1 },
    // limit sqrt(6 / 500)
    { name: 'glorotUniform', init: glorotUniform({ seed: 4 }), mean: 0, std: uniformStd(Math.sqrt(6 / 500)), bound: Math.sqrt(6 / 500) },
    // std sqrt(2 / 500) after truncation at 2 * sqrt(2 / 500) / 0.8796
    {
      name: 'glorotNormal',
      init: glorotNormal({ seed: 5 }),
      mean: 0,
      std: Math.sqrt(2 / 500),
      bound: (2 * Math.sqrt(2 / 500)) / 0.87962566103423978,
    },
    // limit sqrt(6 / fanIn) = sqrt(6 / 200)
    { name: 'heUniform', init: heUniform({ seed: 6 }), mean: 0, std: uniformStd(Math.sqrt(6 / 200)), bound: Math.sqrt(6 / 200) },
    {
      name: 'heNormal',
      init: heNormal({ seed: 7 }),
      mean: 0,
      std: Math.sqrt(2 / 200),
      bound: (2 * Math.sqrt(2 / 200)) / 0.87962566103423978,
    },
    // limit sqrt(3 / fanIn)
    { name: 'leCunUniform', init: leCunUniform({ seed: 8 }), mean: 0, std: uniformStd(Math.sqrt(3 / 200)), bound: Math.sqrt(3 / 200) },
    {
      name: 'leCunNormal',
      init: leCunNormal({ seed: 9 }),
      mean: 0,
      std: Math.sqrt(1 / 200),
      bound: (2 * Math.sqrt(1 / 200)) / 0.87962566103423978,
    },
    // variance 3 / fanOut, untruncated normal
    {
      name: 'varianceScaling fanOut untruncated',
      init: varianceScaling({ scale: 3, mode: 'fanOut', distribution: 'untruncatedNormal', seed: 10 }),
      mean: 0,
      std: Math.sqrt(3 / 300),
      bound: Infinity,
    },
  ];
  for (const c of CASES) {
    test(c.name, async () => {
      const s = await draw(c.init);
      // the mean's standard error is std / sqrt(60000) ~ std / 245
      expect(Math.abs(s.mean - c.mean)).toBeLessThan((5 * c.std) / 245);
      expect(Math.abs(s.std - c.std) / c.std).toBeLessThan(0.03);
      expect(Math.max(Math.abs(s.min - c.mean), Math.abs(s.max - c.mean))).toBeLessThanOrEqual(c.bound * (1 + 1e-12));
    });
  }

  test('conv kernel fans: heNormal on [5, 5, 64, 64] has std sqrt(2 / 1600)', async () => {
    // fanIn = 5 * 5 * 64 = 1600
    const s = stats(await heNormal({ seed: 11 }).apply([5, 5, 64, 64], 'float64').data());
    expect(Math.abs(s.std - Math.sqrt(2 / 1600)) / Math.sqrt(2 / 1600)).toBeLessThan(0.03);
  });

  test('a rank-1 shape uses fanIn = fanOut = n: glorotUniform on [10000] has limit sqrt(6 / 20000)', async () => {
    const s = stats(await glorotUniform({ seed: 12 }).apply([10000], 'float64').data());
    const limit = Math.sqrt(6 / 20000);
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    // a uniform this large reaches past 99% of its limit
    expect(s.max).toBeGreaterThan(0.99 * limit);
  });
});

/** Max |(W^T W)_ij - gain^2 delta_ij| for W viewed as rows x cols. */
function orthogonalityError(w: ArrayLike<number>, rows: number, cols: number, gain: number, byRows = false): number {
  let err = 0;
  const [n, len] = byRows ? [rows, cols] : [cols, rows];
  const at = (k: number, i: number) => (byRows ? w[i * cols + k] : w[k * cols + i]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < len; k++) dot += at(k, i) * at(k, j);
      err = Math.max(err, Math.abs(dot - (i === j ? gain * gain : 0)));
    }
  }
  return err;
}

describe('orthogonal', () => {
  test('square: W^T W = I', async () => {
    const w = await orthogonal({ seed: 1 }).apply([64, 64], 'float64').data();
    expect(orthogonalityError(w, 64, 64, 1)).toBeLessThan(1e-12);
    // float32 output keeps orthogonality to float32 rounding
    const w32 = await orthogonal({ seed: 1 }).apply([64, 64]).data();
    expect(orthogonalityError(w32, 64, 64, 1)).toBeLessThan(1e-5);
  });

  test('tall with gain 2: W^T W = 4 I', async () => {
    const w = await orthogonal({ gain: 2, seed: 2 }).apply([50, 20], 'float64').data();
    expect(orthogonalityError(w, 50, 20, 2)).toBeLessThan(1e-12);
  });

  test('conv kernel [3, 3, 4, 8] is a tall 36 x 8 matrix with orthonormal columns', async () => {
    const t = orthogonal({ seed: 3 }).apply([3, 3, 4, 8]);
    expect(t.shape).toEqual([3, 3, 4, 8]);
    expect(orthogonalityError(await t.data(), 36, 8, 1)).toBeLessThan(1e-5);
  });

  test('wide [5, 30]: orthonormal rows (the tall factor transposed)', async () => {
    const w = await orthogonal({ seed: 4 }).apply([5, 30], 'float64').data();
    expect(orthogonalityError(w, 5, 30, 1, true)).toBeLessThan(1e-12);
  });

  test('sign correction: Q R = A with diag(R) = diag(Q^T A) positive', async () => {
    // Q^T A = R for the draw A; Keras's sign correction makes its diagonal positive.
    const a = await nb.randomNormal([6, 4], { seed: 9, dtype: 'float64' }).data();
    const q = await orthogonal({ seed: 9 }).apply([6, 4], 'float64').data();
    for (let j = 0; j < 4; j++) {
      let rjj = 0;
      for (let i = 0; i < 6; i++) rjj += q[i * 4 + j] * a[i * 4 + j];
      expect(rjj).toBeGreaterThan(0);
      // and R is upper triangular: column j of A has no component along q_i for i > j
      for (let i = j + 1; i < 4; i++) {
        let rij = 0;
        for (let k = 0; k < 6; k++) rij += q[k * 4 + i] * a[k * 4 + j];
        expect(Math.abs(rij)).toBeLessThan(1e-12);
      }
    }
  });

  test('empty shapes give zeros of that shape; rank below 2 is rejected', () => {
    expect(orthogonal().apply([0, 4]).shape).toEqual([0, 4]);
    expect(() => orthogonal().apply([5])).toThrow('orthogonal: shape must have rank 2 or more, got [5]');
    expect(() => orthogonal().apply([2, -3])).toThrow('orthogonal: dimensions must be non-negative integers, got [2,-3]');
  });
});

describe('getInitializer and serialization', () => {
  test('camelCase, snake_case and Keras class names', () => {
    const pairs: [string, string][] = [
      ['zeros', 'Zeros'],
      ['ones', 'Ones'],
      ['constant', 'Constant'],
      ['glorotUniform', 'GlorotUniform'],
      ['glorot_uniform', 'GlorotUniform'],
      ['glorot_normal', 'GlorotNormal'],
      ['heNormal', 'HeNormal'],
      ['he_normal', 'HeNormal'],
      ['he_uniform', 'HeUniform'],
      ['leCunNormal', 'LeCunNormal'],
      ['lecun_normal', 'LeCunNormal'],
      ['lecun_uniform', 'LeCunUniform'],
      ['random_uniform', 'RandomUniform'],
      ['random_normal', 'RandomNormal'],
      ['truncated_normal', 'TruncatedNormal'],
      ['variance_scaling', 'VarianceScaling'],
      ['orthogonal', 'Orthogonal'],
      ['LecunUniform', 'LeCunUniform'],
    ];
    for (const [name, className] of pairs) expect(getInitializer(name).className).toBe(className);
  });

  test('an instance is returned as is', () => {
    const init = glorotUniform({ seed: 1 });
    expect(getInitializer(init)).toBe(init);
  });

  test('round trip keeps the config and the values', async () => {
    const inits: Initializer[] = [
      zeros(),
      ones(),
      constant({ value: 0.3 }),
      randomUniform({ minval: -1, maxval: 2, seed: 3 }),
      randomNormal({ mean: 1, stddev: 0.5, seed: 3 }),
      truncatedNormal({ mean: -1, stddev: 0.1, seed: 3 }),
      varianceScaling({ scale: 2, mode: 'fanAvg', distribution: 'uniform', seed: 3 }),
      glorotUniform({ seed: 3 }),
      glorotNormal({ seed: 3 }),
      heUniform({ seed: 3 }),
      heNormal(),
      leCunUniform({ seed: 3 }),
      leCunNormal({ seed: 3 }),
      orthogonal({ gain: 1.5, seed: 3 }),
    ];
    for (const init of inits) {
      const s = serializeInitializer(init);
      const back = getInitializer(JSON.parse(JSON.stringify(s)));
      expect(serializeInitializer(back)).toEqual(s);
      if ('seed' in s.config || s.className === 'Zeros' || s.className === 'Ones' || s.className === 'Constant') {
        expect(Array.from(await back.apply([3, 4]).data())).toEqual(Array.from(await init.apply([3, 4]).data()));
      }
    }
    expect(serializeInitializer(glorotUniform({ seed: 3 }))).toEqual({ className: 'GlorotUniform', config: { seed: 3 } });
    expect(serializeInitializer(heNormal())).toEqual({ className: 'HeNormal', config: {} });
  });

  test('Keras-style configs: snake_case values and seed null', () => {
    const v = getInitializer({
      className: 'VarianceScaling',
      config: { scale: 2, mode: 'fan_avg', distribution: 'truncated_normal', seed: null },
    });
    expect(v.getConfig()).toEqual({ scale: 2, mode: 'fanAvg', distribution: 'truncatedNormal' });
    // Keras's legacy 'normal' means truncated normal
    expect(varianceScaling({ distribution: 'normal' }).getConfig().distribution).toBe('truncatedNormal');
  });

  test('errors', () => {
    expect(() => getInitializer('glorotUniformish')).toThrow(nb.NablaError);
    expect(() => getInitializer('glorotUniformish')).toThrow(
      /unknown initializer 'glorotUniformish'; did you mean 'glorotUniform'\? \(known: zeros, ones, .*heNormal/,
    );
    expect(() => getInitializer({ className: 'Nope', config: {} })).toThrow("unknown initializer 'Nope'");
    expect(() => getInitializer({ className: 'GlorotUniform', config: { scale: 3 } })).toThrow(
      "getInitializer: GlorotUniform config has unknown key 'scale'; expected seed",
    );
    expect(() => getInitializer(42 as never)).toThrow(
      'getInitializer: expected a name, an Initializer or { className, config }, got number',
    );
    expect(() => getInitializer({ className: 'RandomNormal', config: { stddev: 'big' } })).toThrow(
      'randomNormal: stddev must be a finite number, got big',
    );
    expect(() => randomUniform({ minval: 1, maxval: 1 })).toThrow('randomUniform: maxval (1) must be greater than minval (1)');
    expect(() => randomNormal({ stddev: -1 })).toThrow('randomNormal: stddev must be non-negative, got -1');
    expect(() => glorotUniform({ seed: 1.5 })).toThrow('glorotUniform: seed must be an integer, got 1.5');
    expect(() => varianceScaling({ scale: 0 })).toThrow('varianceScaling: scale must be positive, got 0');
    expect(() => varianceScaling({ mode: 'fanMiddle' as never })).toThrow(
      "varianceScaling: mode must be one of fanIn, fanOut, fanAvg, got 'fanMiddle'",
    );
    expect(() => varianceScaling({ distribution: 'cauchy' as never })).toThrow(/distribution must be one of .* got 'cauchy'/);
  });

  test('negative dimensions are rejected by core', () => {
    expect(() => zeros().apply([2, -1])).toThrow(nb.NablaError);
    expect(() => zeros().apply([2, -1])).toThrow('dimensions must be non-negative integers, got [2,-1]');
    expect(() => glorotUniform().apply([2, -1])).toThrow('dimensions must be non-negative integers, got [2,-1]');
    expect(() => heNormal().apply([3, -3, 2, 2])).toThrow('dimensions must be non-negative integers, got [3,-3,2,2]');
    expect(() => randomUniform().apply([1.5])).toThrow(nb.NablaError);
  });
});
