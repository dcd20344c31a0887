/**
 * The page's own copy of nabla (loaded only when a model is downloaded): reads a model the
 * worker saved to IndexedDB and saves it as the two files of nabla's format, which needs a
 * document to start downloads. Weights are only copied, so the CPU backend is enough.
 */
import '@nabla/backend-cpu';
import { loadModel, saveModel } from '@nabla/nn';

/** Returns the names of the two files the browser downloads. */
export async function downloadSaved(where: string): Promise<string[]> {
  const name = where.replace(/^indexeddb:\/\//, '');
  const model = await loadModel(where);
  try {
    await saveModel(model, `downloads://${name}`);
  } finally {
    model.dispose();
  }
  return [`${name}.json`, `${name}.weights.bin`];
}
