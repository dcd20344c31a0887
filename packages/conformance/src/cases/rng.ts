import * as nb from '@nabla/core';
import type { Case } from '../case.js';
import { compare, TOLERANCES } from '../tolerance.js';

/** The random primitive against core's Philox reference, bit for bit, across sizes and seeds. */
export function rngCases(): Case[] {
  const sizes = [[1], [3], [4], [5], [17], [2, 65], [1000]];
  const seeds = [0, 1, 12345, 2 ** 31 - 1, 2 ** 40 + 5];
  return sizes.flatMap((shape) =>
    seeds.map((seed) => ({
      id: `rng uniform [${shape}] seed ${seed}`,
      group: 'rng',
      tolerance: TOLERANCES.exact,
      run: async () => {
        const t = nb.randomUniform(shape, { seed });
        const size = shape.reduce((a, b) => a * b, 1);
        const key = [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
        const c = compare(await t.data(), nb.philoxUniform(size, key, [0, 0]), TOLERANCES.exact);
        t.dispose();
        return { status: c.pass ? 'pass' : 'fail', maxError: c.maxError, detail: c.detail };
      },
    })),
  );
}
