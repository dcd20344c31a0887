// The smallest page: core and the CPU backend, the README's "core alone" example. Its bundle
// size is what every nabla page pays (the consumer test asserts it stays under 150 kB).
import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { coreAlone } from '../readme-core.js';
import { run } from '../report.js';

void run(async () => {
  const X = nb.randomUniform([100, 1], { seed: 1 });
  const y = X.mul(3).add(nb.randomUniform([100, 1], { seed: 2 }));
  return { backend: nb.getBackend(), ...(await coreAlone(X, y)) };
});
