/**
 * The page's own copy of nabla (loaded only when a model is downloaded): reads a model the
 * worker saved to IndexedDB and saves it as the two files of nabla's format, which needs a
 * document to start downloads. Weights are only copied, so the CPU backend is enough.
 */
import '@nabla/backend-cpu';
import { loadModel, saveModel } from '@nabla/nn';

export async function downloadSaved(where: string): Promise<void> {
  const model = await loadModel(where);
  try {
    await saveModel(model, `downloads://${where.replace(/^indexeddb:\/\//, '')}`);
  } finally {
    model.dispose();
  }
}
