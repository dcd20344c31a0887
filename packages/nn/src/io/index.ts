/** Saving and loading models: the format (format.ts), folders (folder.ts), browsers (browser.ts). */
export type { FileLike } from './browser.js';
export { type CustomObjects, type LoadOptions, loadModel, loadWeights, type ModelSource } from './load.js';
export { removeModel, type SaveOptions, saveModel } from './save.js';
