/** Every error nabla throws names the operation and the offending values. */
export class NablaError extends Error {
  override name = 'NablaError';
}

/** Formats a shape the way error messages quote it: `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
