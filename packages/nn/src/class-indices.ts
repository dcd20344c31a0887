/**
 * Losses whose yTrue holds class indices in [0, classes) (each sparseCategoricalCrossentropyLoss
 * made): fit and evaluate check such labels held in memory on the host, naming their position in
 * the user's y (training/labels.ts). Internal, not part of the API.
 */
const CLASS_INDEX_LOSSES = new WeakSet<object>();

/** Marks a loss as taking class indices; returns it. */
export function takingClassIndices<F extends object>(loss: F): F {
  CLASS_INDEX_LOSSES.add(loss);
  return loss;
}

/** Whether a loss takes class indices as yTrue (a function written by the user is not known to). */
export function takesClassIndices(loss: object): boolean {
  return CLASS_INDEX_LOSSES.has(loss);
}
