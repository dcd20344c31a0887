import { elementwiseCases } from './ops-elementwise.mjs';
import { movementCases } from './ops-movement.mjs';
import { reductionCases } from './ops-reduction.mjs';

/**
 * The case table. Each entry:
 *   op      nabla's op name (what the conformance suite calls)
 *   params  the op's parameters in nabla's conventions; null stands for an omitted optional
 *           argument (nabla's default), transposeInput: i says input i is stored in its own
 *           shape and the op receives its transpose (reversed axes)
 *   inputs  [{ shape, dtype, gen, transpose? }]: gen draws the values (see inputs.mjs)
 *   run     (tf, inputs, params) => tensor: the TF.js equivalent, on the inputs as the op sees them
 *   tag     optional, appended to the id to tell apart cases with the same shapes and params
 *   prepare optional, (values, spec) => void: adjusts the drawn values (see ops-reduction.mjs)
 *
 * Cases TF.js rejects, or where its semantics differ from nabla's, are left out; README.md
 * lists them.
 */
export function caseTable() {
  return [...elementwiseCases(), ...reductionCases(), ...movementCases()];
}
