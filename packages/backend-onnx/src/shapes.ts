/**
 * Whether two shapes differ only in leading axes of size 1 ([1,3] and [3], [1,1] and []).
 * Elementwise ONNX ops broadcast such shapes alike, so a value may carry either until an op
 * needs its exact shape (see lowerGraph).
 */
export function sameUpToLeadingOnes(a: readonly number[], b: readonly number[]): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && a[i] === 1) i++;
  while (j < b.length && b[j] === 1) j++;
  if (a.length - i !== b.length - j) return false;
  for (; i < a.length; i++, j++) if (a[i] !== b[j]) return false;
  return true;
}
