import * as nb from '@nabla/core';
import { layerFromConfig } from '../layers/index.js';
import { Sequential } from '../models/sequential.js';
import { optimizerFromConfig } from '../optimizers/index.js';
import { checkFit, readModel } from './files.js';

export { saveModel } from './files.js';

/** Rebuilds a saved model: architecture, weights, and (when saved) its compile settings. */
export async function loadModel(dir: string): Promise<Sequential> {
  const { json, values } = await readModel(dir);
  try {
    const model = new Sequential(
      json.layers.map((l) => layerFromConfig(l.className, { ...l.config, name: `${l.config.name as string}` })),
      { name: json.name },
    );
    if (!model.inputShape) throw new nb.NablaError(`load: ${dir}/model.json does not record the input shape`);
    checkFit(model, json.weights);
    model.setWeights(values);
    if (json.compile) {
      model.compile({ optimizer: optimizerFromConfig(json.compile.optimizer), loss: json.compile.loss, metrics: json.compile.metrics });
    }
    return model;
  } catch (e) {
    nb.dispose(values);
    throw e;
  }
}

/** Loads weights into an existing model of the same architecture; on any mismatch, nothing changes. */
export async function loadWeights(model: Sequential, dir: string): Promise<void> {
  const { json, values } = await readModel(dir);
  try {
    checkFit(model, json.weights);
  } catch (e) {
    nb.dispose(values);
    throw e;
  }
  model.setWeights(values);
}
