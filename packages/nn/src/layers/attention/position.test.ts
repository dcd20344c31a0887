import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../../../core/src/test-utils/gradcheck.js';
import { uniform } from '../../test-utils/attention-reference.js';
import { PositionEmbedding } from './position-embedding.js';
import { SinePositionEncoding } from './sine-position-encoding.js';

describe('SinePositionEncoding', () => {
  // keras_hub's own expected values (sine_position_encoding_test.py), to its 1e-5.
  test("keras_hub's values: positions 0 and 3 of 6 features, position 1 of 4", async () => {
    const six = (await new SinePositionEncoding().apply(nb.zeros([1, 4, 6])).array()) as number[][][];
    expectClose(six[0][0], [0, 1, 0, 1, 0, 1], 1e-5, 1e-5);
    expectClose(six[0][3], [0.14112, -0.98999, 0.13879, 0.99032, 0.00646, 0.99997], 1e-5, 1e-5);
    const four = (await new SinePositionEncoding().apply(nb.zeros([2, 2, 4])).array()) as number[][][];
    expectClose(four[1][1], [0.84147, 0.5403, 0.009999, 0.99995], 1e-5, 1e-5);
  });

  test("broadcast to the input's shape and dtype, more axes before time; no weights; maxWavelength", async () => {
    const layer = new SinePositionEncoding({ maxWavelength: 4 });
    const y = layer.apply(nb.ones([2, 3, 5, 2], 'float64'));
    expect(y.shape).toEqual([2, 3, 5, 2]);
    expect(y.dtype).toBe('float64');
    expect(layer.weights).toEqual([]);
    const rows = (await y.array()) as number[][][][];
    // Two features: w_0 = w_1 = 4^0 = 1.
    expect(rows[1][2][4]).toEqual([Math.sin(4), Math.cos(4)]);
    expect(rows[0][0]).toEqual(rows[1][2]);
  });

  test('errors', () => {
    expect(() => new SinePositionEncoding({ name: 's' }).apply(nb.zeros([2, 3]))).toThrow(
      /^s: expects \[batch, \.\.\., time, features\] with known features, got \[null,3\]$/,
    );
    expect(() => new SinePositionEncoding({ maxWavelength: 0 })).toThrow(/maxWavelength/);
    expect(() => Reflect.construct(SinePositionEncoding, [{}, 3])).toThrow(nb.NablaError);
  });
});

describe('PositionEmbedding', () => {
  test("returns the first `time` rows of its embeddings for every batch, in the input's shape", async () => {
    const layer = new PositionEmbedding(4, { name: 'pos' });
    layer.build([null, 5]); // any length up to 4
    const y = layer.apply(uniform([3, 2, 5], 1));
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([['pos/embeddings', [4, 5]]]);
    const table = (await (layer.embeddings as NonNullable<PositionEmbedding['embeddings']>).value.array()) as number[][];
    const rows = (await y.array()) as number[][][];
    for (const b of rows) expect(b).toEqual(table.slice(0, 2));
    const full = (await layer.apply(uniform([1, 4, 5], 2)).array()) as number[][][];
    expect(full[0]).toEqual(table);
  });

  test('the initializer option; the config rebuilds it', async () => {
    const layer = new PositionEmbedding({ sequenceLength: 3, initializer: 'ones' });
    expect(Array.from(await layer.apply(nb.zeros([1, 3, 2])).data())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(layer.getConfig()).toMatchObject({ sequenceLength: 3, initializer: { className: 'Ones' } });
  });

  test('errors name the layer and the values', () => {
    expect(() => new PositionEmbedding(0, { name: 'p' })).toThrow(/^p: sequenceLength must be a positive integer, got 0 \(number\)$/);
    expect(() => new PositionEmbedding(3, { name: 'p' }).apply(nb.zeros([1, 4, 2]))).toThrow(
      /^p: sequences of length 4 are longer than sequenceLength 3$/,
    );
    expect(() => new PositionEmbedding(3, { name: 'p' }).apply(nb.zeros([1, 4]))).toThrow(/p: expects \[batch, \.\.\., time, features\]/);
    expect(() => Reflect.construct(PositionEmbedding, [3, { sequenceLength: 3 }])).toThrow(/sequenceLength is given twice/);
  });
});
