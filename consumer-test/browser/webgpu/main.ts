// The WebGPU page: core and '@nabla/backend-webgpu' alone, so its bundle size is what a WebGPU
// page pays. The package resolves to its browser entry (navigator.gpu; Chromium's SwiftShader
// adapter here), registers 'webgpu', the only backend and so the default, and computes there:
// the package README's example, then the README's "core alone" training, compared with cpu's.
import '@nabla/backend-webgpu';
import * as nb from '@nabla/core';
import { coreAlone } from '../readme-core.js';
import { run } from '../report.js';

void run(async () => {
  const backend = nb.getBackend();
  const a = nb.tensor([
    [1, 2],
    [3, 4],
  ]);
  const product = await nb.matmul(a, a.transpose()).relu().array();
  const X = nb.randomUniform([100, 1], { seed: 1 });
  const y = X.mul(3).add(nb.randomUniform([100, 1], { seed: 2 }));
  const core = await coreAlone(X, y);
  await nb.getBackendInstance('webgpu').destroy?.();
  return { backends: nb.listBackends(), backend, product, core };
});
