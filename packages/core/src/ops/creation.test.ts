import '@nabla/backend-cpu';
import { describe, expect, test } from 'vitest';
import * as nb from '../index.js';

/**
 * Creating tensors the way TensorFlow.js and NumPy users do. Each test asserts the answer
 * TensorFlow.js 4.22 gives (checked by running it) or, where nabla is stricter, a clear error.
 */

const values = (t: nb.Tensor) => Array.from(t.dataSync());

describe('typed arrays: bytes are numbers, not booleans', () => {
  test('a Uint8Array of pixels is int32 [0, 17, 128, 255], and dividing by 255 scales it (TF.js-equal)', () => {
    const pixels = nb.tensor(new Uint8Array([0, 17, 128, 255]));
    expect(pixels.dtype).toBe('int32');
    expect(values(pixels)).toEqual([0, 17, 128, 255]);
    const scaled = nb.div(pixels, 255);
    expect(scaled.dtype).toBe('float32');
    expect(values(scaled)).toEqual([0, 17, 128, 255].map((v) => Math.fround(v / 255)));
  });

  test('a Node Buffer (a Uint8Array subclass) is int32 too', () => {
    const t = nb.tensor(Buffer.from([0, 17, 128, 255]), [2, 2]);
    expect(t.dtype).toBe('int32');
    expect(t.shape).toEqual([2, 2]);
    expect(values(t)).toEqual([0, 17, 128, 255]);
  });

  test('every integer typed array gives int32 with its values', () => {
    const cases: [ArrayLike<number> & ArrayBufferView, number[]][] = [
      [new Int8Array([-128, 5, 127]), [-128, 5, 127]],
      [new Uint8ClampedArray([0, 200, 255]), [0, 200, 255]],
      [new Int16Array([-32768, 7, 32767]), [-32768, 7, 32767]],
      [new Uint16Array([0, 9, 65535]), [0, 9, 65535]],
      [new Int32Array([-(2 ** 31), 3, 2 ** 31 - 1]), [-(2 ** 31), 3, 2 ** 31 - 1]],
      [new Uint32Array([0, 11, 2 ** 31 - 1]), [0, 11, 2 ** 31 - 1]],
    ];
    for (const [data, expected] of cases) {
      const t = nb.tensor(data as nb.TensorData);
      expect([data.constructor.name, t.dtype]).toEqual([data.constructor.name, 'int32']);
      expect(values(t)).toEqual(expected);
    }
  });

  test('a Uint32Array value beyond int32 is an error naming it, not a wrapped number', () => {
    expect(() => nb.tensor(new Uint32Array([1, 2 ** 32 - 1]))).toThrow(/^tensor: value 4294967295 at flat index 1 is not an int32/);
  });

  test('float arrays keep their precision: Float32Array float32, Float64Array float64', () => {
    expect(nb.tensor(new Float32Array([1.5])).dtype).toBe('float32');
    const d = nb.tensor(new Float64Array([0.1]));
    expect(d.dtype).toBe('float64');
    expect(values(d)).toEqual([0.1]);
  });

  test('nested typed arrays take their type too (TF.js-equal: int32 [[1,2],[3,4]])', () => {
    const t = nb.tensor([new Uint8Array([1, 2]), new Uint8Array([3, 4])]);
    expect(t.dtype).toBe('int32');
    expect(t.shape).toEqual([2, 2]);
    expect(values(t)).toEqual([1, 2, 3, 4]);
  });

  test('bool comes from booleans, or from an explicit bool, which normalizes bytes to 0 and 1', () => {
    const b = nb.tensor([true, false, true]);
    expect(b.dtype).toBe('bool');
    expect(values(b)).toEqual([1, 0, 1]);
    const fromBytes = nb.tensor(new Uint8Array([0, 2, 255]), [3], 'bool');
    expect(fromBytes.dtype).toBe('bool');
    expect(values(fromBytes)).toEqual([0, 1, 1]);
    // Numbers into bool follow cast's rule: non-zero, NaN included, is true.
    const numbers = [Number.NaN, 0, -0, 2, -0.5];
    expect(values(nb.tensor(numbers, [5], 'bool'))).toEqual(values(nb.cast(nb.tensor(numbers), 'bool')));
    expect(values(nb.tensor(numbers, [5], 'bool'))).toEqual([1, 0, 0, 1, 1]);
  });

  test('a bool tensor read back and re-made needs its dtype named: the bytes alone are int32', () => {
    const mask = nb.greater(nb.tensor([1, 5, 3]), 2);
    const bytes = mask.dataSync();
    expect(nb.tensor(bytes).dtype).toBe('int32');
    expect(nb.tensor(bytes, undefined, 'bool').dtype).toBe('bool');
    expect(values(nb.where(nb.tensor(bytes, undefined, 'bool'), 1, 0))).toEqual([0, 1, 1]);
  });

  test('typed arrays nabla cannot hold are errors', () => {
    expect(() => nb.tensor(new BigInt64Array(2) as unknown as nb.TensorData)).toThrow(/^tensor: a BigInt64Array is not supported/);
    expect(() => nb.tensor(new DataView(new ArrayBuffer(4)) as unknown as nb.TensorData)).toThrow(/^tensor: a DataView is not supported/);
    expect(() => nb.tensor(['1', '2'] as unknown as nb.TensorData)).toThrow(
      "tensor: value '1' (string) at flat index 0 is not a number or a boolean",
    );
  });
});

describe('int32 tensors take integers in range; cast converts', () => {
  test('a fraction is an error naming the op, the value, its flat index and cast', () => {
    expect(() => nb.tensor([1, 1.7], [2], 'int32')).toThrow(
      "tensor: value 1.7 at flat index 1 is not an int32 (an integer in [-2147483648, 2147483647]); to convert floats, make a float tensor and cast it: cast(x, 'int32')",
    );
  });

  test('NaN, Infinity and values outside int32 are errors', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, 3e10, -(2 ** 31) - 1, 2 ** 31]) {
      expect(() => nb.tensor([0, 0, v], [3], 'int32')).toThrow(`tensor: value ${v} at flat index 2 is not an int32`);
    }
    expect(() => nb.tensor(new Float32Array([0.5]), [1], 'int32')).toThrow('tensor: value 0.5 at flat index 0 is not an int32');
  });

  test('the int32 extremes, integral floats and booleans are accepted (TF.js-equal; TF.js has no Float64Array)', () => {
    expect(values(nb.tensor([-(2 ** 31), 2 ** 31 - 1], [2], 'int32'))).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    expect(values(nb.tensor(new Float64Array([3, -4]), [2], 'int32'))).toEqual([3, -4]);
    expect(values(nb.tensor([true, false], [2], 'int32'))).toEqual([1, 0]);
  });

  test('cast is the way to truncate', () => {
    expect(values(nb.cast(nb.tensor([1.7, -1.7]), 'int32'))).toEqual([1, -1]);
  });

  test('scalar, fill, arange and linspace apply the same rule, naming themselves', () => {
    expect(() => nb.scalar(1.5, 'int32')).toThrow('scalar: value 1.5 at flat index 0 is not an int32');
    expect(() => nb.fill([2], 1.5, 'int32')).toThrow('fill: value 1.5 at flat index 0 is not an int32');
    expect(() => nb.fill([2], Number.NaN, 'int32')).toThrow('fill: value NaN at flat index 0 is not an int32');
    expect(() => nb.arange(0, 3, 0.5, 'int32')).toThrow('arange: value 0.5 at flat index 1 is not an int32');
    expect(() => nb.linspace(0, 1, 5, 'int32')).toThrow('linspace: value 0.25 at flat index 1 is not an int32');
    // An int32 range that leaves int32 fails before anything is allocated (3e9 values would be 12 GB).
    expect(() => nb.arange(0, 3e9, 1, 'int32')).toThrow('arange: value 2999999999 at flat index 2999999999 is not an int32');
  });

  test('integer-valued int32 creation works (TF.js-equal where TF.js has the form; its linspace takes no dtype)', () => {
    expect(values(nb.arange(0, 5, 1, 'int32'))).toEqual([0, 1, 2, 3, 4]);
    expect(values(nb.linspace(0, 4, 5, 'int32'))).toEqual([0, 1, 2, 3, 4]);
    expect(values(nb.fill([2], 7, 'int32'))).toEqual([7, 7]);
    expect(values(nb.scalar(-3, 'int32'))).toEqual([-3]);
    expect(values(nb.eye(3, 3, 'int32'))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(values(nb.ones([2], 'int32'))).toEqual([1, 1]);
  });
});

describe('shapes', () => {
  test('a bare integer is a 1-D shape, as np.ones(3) (TF.js throws "shape.forEach is not a function")', () => {
    const o = nb.ones(3);
    expect(o.shape).toEqual([3]);
    expect(values(o)).toEqual([1, 1, 1]);
    expect(values(nb.zeros(2, 'int32'))).toEqual([0, 0]);
    expect(values(nb.fill(2, 5))).toEqual([5, 5]);
    expect(nb.randomUniform(4, { seed: 1 }).shape).toEqual([4]);
    expect(nb.randomNormal(4, 0, 1, 'float32', 1).shape).toEqual([4]);
    expect(nb.truncatedNormal(0).shape).toEqual([0]);
  });

  test('a shape that is not non-negative integers is a clear error', () => {
    expect(() => nb.ones('3' as unknown as number)).toThrow(
      "ones: shape must be an array of non-negative integers (or one non-negative integer, for a 1-D shape), got '3' (string)",
    );
    expect(() => nb.zeros(-1)).toThrow('zeros: shape must be an array of non-negative integers');
    expect(() => nb.zeros({ length: 2 } as unknown as number[])).toThrow('zeros: shape must be an array of non-negative integers');
    expect(() => nb.zeros([2, '3'] as unknown as number[])).toThrow("zeros: dimensions must be non-negative integers, got [2,'3']");
    expect(() => nb.randomNormal([2, 1.5])).toThrow('randomNormal: dimensions must be non-negative integers, got [2,1.5]');
  });

  test('more elements than a safe integer is an error when the op is called', () => {
    expect(() => nb.zeros([1e10, 1e10])).toThrow(
      'zeros: shape [10000000000,10000000000] has 100000000000000000000 elements, more than any tensor can hold (2^53-1)',
    );
  });

  test('a tensor too large for host memory is a NablaError naming the op, shape, elements and bytes, not a bare RangeError', () => {
    // 1e15 float32 elements (4 PB): no JavaScript engine allocates it, so nothing is allocated.
    const big = nb.zeros([1e5, 1e5, 1e5]);
    let err: unknown;
    try {
      big.dataSync();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(nb.NablaError);
    expect((err as Error).message).toMatch(
      /^zeros: cannot allocate a tensor of shape \[100000,100000,100000\]: 1000000000000000 float32 elements, 4000000000000000 bytes \(4\.00 PB\): /,
    );
    expect(() => nb.arange(0, 1e15)).toThrow(
      /^arange: cannot allocate a tensor of shape \[1000000000000000\]: 1000000000000000 float32 elements/,
    );
  });
});

describe('arguments are checked', () => {
  test('a stray extra positional argument is an error', () => {
    expect(() => (nb.zeros as (...a: unknown[]) => nb.Tensor)([2], 'float32', 1)).toThrow(
      'zeros: takes at most 2 arguments, got 3 (the extra: 1 (number))',
    );
    expect(() => (nb.tensor as (...a: unknown[]) => nb.Tensor)([1], [1], 'float32', 'x')).toThrow(
      'tensor: takes at most 3 arguments, got 4',
    );
    expect(() => (nb.scalar as (...a: unknown[]) => nb.Tensor)(1, 'float32', 2)).toThrow('scalar: takes at most 2 arguments, got 3');
    expect(() => (nb.arange as (...a: unknown[]) => nb.Tensor)(0, 5, 1, 'float32', 9)).toThrow('arange: takes at most 4 arguments, got 5');
    expect(() => (nb.ones as (...a: unknown[]) => nb.Tensor)([2], 'float32', true)).toThrow('ones: takes at most 2 arguments, got 3');
    expect(() => (nb.zerosLike as (...a: unknown[]) => nb.Tensor)(nb.ones([2]), 'int32')).toThrow(
      'zerosLike: takes at most 1 argument, got 2',
    );
    expect(() => (nb.setSeed as (...a: unknown[]) => void)(1, 2)).toThrow('setSeed: takes at most 1 argument, got 2');
    expect(() => (nb.randomUniform as (...a: unknown[]) => nb.Tensor)([2], 0, 1, 'float32', 1, 'x')).toThrow(
      'randomUniform: takes at most 5 arguments, got 6',
    );
  });

  test('arguments of the wrong type are errors naming the argument', () => {
    expect(() => nb.arange('5' as unknown as number)).toThrow("arange: argument 'start' must be a finite number, got '5' (string)");
    expect(() => nb.arange(0, Number.POSITIVE_INFINITY)).toThrow("arange: argument 'stop' must be a finite number, got Infinity (number)");
    expect(() => nb.arange(0, 5, 0)).toThrow('arange: step must be a non-zero finite number, got 0');
    expect(() => nb.linspace(0, 1, 2.5)).toThrow("linspace: argument 'num' must be a non-negative integer, got 2.5 (number)");
    expect(() => nb.scalar('1' as unknown as number)).toThrow("scalar: argument 'value' must be a number or a boolean, got '1' (string)");
    expect(() => nb.fill([2], '1' as unknown as number)).toThrow("fill: argument 'value' must be a number or a boolean, got '1' (string)");
    expect(() => nb.setSeed('1' as unknown as number)).toThrow("setSeed: argument 'seed' must be an integer, got '1' (string)");
    expect(() => nb.eye(2, '2' as unknown as number)).toThrow("eye: argument 'm' must be a non-negative integer, got '2' (string)");
    expect(() => nb.zerosLike({} as unknown as nb.Tensor)).toThrow('zerosLike: expected a tensor, a number or an array, got an object');
  });

  test('dtype names are checked everywhere', () => {
    const bad = 'float16' as nb.DType;
    const msg = "unknown dtype 'float16'; expected one of float32, float64, int32, bool";
    expect(() => nb.zeros([2], bad)).toThrow(`zeros: ${msg}`);
    expect(() => nb.ones([2], bad)).toThrow(`ones: ${msg}`);
    expect(() => nb.fill([2], 1, bad)).toThrow(`fill: ${msg}`);
    expect(() => nb.scalar(1, bad)).toThrow(`scalar: ${msg}`);
    expect(() => nb.arange(3, undefined, 1, bad)).toThrow(`arange: ${msg}`);
    expect(() => nb.linspace(0, 1, 3, bad)).toThrow(`linspace: ${msg}`);
    expect(() => nb.eye(2, 2, bad)).toThrow(`eye: ${msg}`);
    expect(() => nb.zeros([2], 5 as unknown as nb.DType)).toThrow(
      'zeros: dtype must be one of float32, float64, int32, bool, got 5 (number)',
    );
  });
});

describe('other TF.js and NumPy forms', () => {
  test("eye(n, m, batchShape) is TF.js's batch of identities", () => {
    const t = nb.eye(2, 3, [2]);
    expect(t.shape).toEqual([2, 2, 3]);
    expect(values(t)).toEqual([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0]);
    const i = nb.eye(3, undefined, undefined, 'int32');
    expect(i.dtype).toBe('int32');
    expect(values(i)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(() => (nb.eye as (...a: unknown[]) => nb.Tensor)(2, 2, 'int32', 'float32')).toThrow(/^eye: the third argument is the dtype/);
    expect(values(nb.eye(2, null, null, 'int32'))).toEqual([1, 0, 0, 1]);
  });

  test('arange counts down with a negative step; linspace of one value is start (TF.js-equal)', () => {
    expect(values(nb.arange(5, 0, -2))).toEqual([5, 3, 1]);
    expect(values(nb.linspace(3, 7, 1))).toEqual([3]);
    expect(values(nb.linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  test('zerosLike and onesLike take arrays and keep dtypes (TF.js-equal)', () => {
    const z = nb.zerosLike([1, 2, 3]);
    expect([z.dtype, z.shape, values(z)]).toEqual(['float32', [3], [0, 0, 0]]);
    const o = nb.onesLike(nb.tensor([true]));
    expect([o.dtype, values(o)]).toEqual(['bool', [1]]);
  });

  test("a null shape means the data's own, as TensorFlow.js reads it", () => {
    const t = nb.tensor([1, 2], null, 'int32');
    expect([t.dtype, t.shape, values(t)]).toEqual(['int32', [2], [1, 2]]);
  });

  test('fill infers bool from a boolean value (TF.js-equal)', () => {
    const f = nb.fill([2], true);
    expect([f.dtype, values(f)]).toEqual(['bool', [1, 1]]);
  });
});

describe('a backend that cannot hold the data', () => {
  test('its RangeError on upload becomes a NablaError naming the op, shape, elements and bytes', () => {
    const cpu = nb.getBackendInstance('cpu');
    nb.registerBackend('cpu-no-memory', () =>
      Object.assign(Object.create(Object.getPrototypeOf(cpu)), cpu, {
        name: 'cpu-no-memory',
        upload: () => {
          throw new RangeError('Array buffer allocation failed');
        },
      }),
    );
    nb.setBackend('cpu-no-memory');
    try {
      expect(() => nb.tensor([1, 2, 3, 4], [2, 2])).toThrow(
        'tensor: cannot allocate a tensor of shape [2,2]: 4 float32 elements, 16 bytes: Array buffer allocation failed',
      );
      expect(() => nb.eye(30, 40, 'float64')).toThrow(
        'eye: cannot allocate a tensor of shape [30,40]: 1200 float64 elements, 9600 bytes (9.60 KB): Array buffer allocation failed',
      );
    } finally {
      nb.setBackend('cpu');
    }
  });
});
