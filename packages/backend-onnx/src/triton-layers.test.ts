import '@nabla/backend-cpu';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '@nabla/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { exportTritonRepo, registeredOnnxExporters } from './export.js';
import { TOLERANCE } from './test-utils/export-check.js';
import { EXPORT_CASES, layerClasses } from './test-utils/export-models.js';
import { expectConfigMatchesGraph, feed, parseConfig, predicted, worstDifference } from './test-utils/triton-check.js';

/**
 * Every layer exportOnnx supports, through exportTritonRepo: each model of EXPORT_CASES written
 * as a Triton repository entry at opsets 13, 17 and 21, each loaded by onnxruntime-node from the
 * written folder (which checks every node against the declared opset), run at batch 1 and at
 * batch 64, and compared with model.predict on the cpu backend; the config's inputs and outputs
 * against the graph's as onnxruntime reads them.
 */

const OPSETS = [13, 17, 21];
const BATCHES = [1, 64];
const repository = mkdtempSync(join(tmpdir(), 'nabla-triton-layers-'));

describe.each(EXPORT_CASES.map((c, i) => [c.name, c, i] as const))('%s', (_, c, i) => {
  test(`opsets ${OPSETS.join(', ')}: onnxruntime from the written folder gives model.predict's values at batch ${BATCHES.join(' and ')}`, async () => {
    nb.setBackend('cpu');
    const model = c.build();
    const batches = BATCHES.map((n) => c.inputs(n, 100 + i));
    const expected = await Promise.all(batches.map((xs) => predicted(model, xs)));
    for (const opset of OPSETS) {
      const name = `case${i}_opset${opset}`;
      await exportTritonRepo(model, repository, { name, opset, maxBatchSize: 64 });
      const session = await ort.InferenceSession.create(join(repository, name, '1', 'model.onnx'));
      try {
        const config = parseConfig(readFileSync(join(repository, name, 'config.pbtxt'), 'utf8'));
        expect([config.name, config.platform, config.backend, config.maxBatchSize]).toEqual([name, 'onnxruntime_onnx', 'onnxruntime', 64]);
        expectConfigMatchesGraph(config, session);
        for (const [b, xs] of batches.entries()) {
          const feeds: Record<string, ort.Tensor> = {};
          for (const [k, input] of session.inputNames.entries()) feeds[input] = await feed(ort, xs[k]);
          const out = await session.run(feeds);
          session.outputNames.forEach((output, k) => {
            const want = expected[b][k];
            const where = `opset ${opset}, batch ${BATCHES[b]}, output ${output}`;
            expect(out[output].dims, where).toEqual(want.shape);
            expect(worstDifference(out[output].data as Float32Array, want.data), where).toBeLessThan(TOLERANCE);
          });
        }
      } finally {
        await session.release();
      }
    }
    nb.dispose(batches.flat());
    model.dispose();
  });
});

test('the cases hold every layer class that has a built-in exporter', () => {
  nb.setBackend('cpu');
  const covered = new Set<string>();
  for (const c of EXPORT_CASES) {
    const model = c.build();
    for (const name of layerClasses(model)) covered.add(name);
    model.dispose();
  }
  expect(registeredOnnxExporters().filter((name) => !covered.has(name))).toEqual([]);
});
