/**
 * @nabla/conformance: proves a backend gives the same values, gradients and training results as
 * TensorFlow.js's reference values, as central differences, and as other backends.
 *
 *   const report = await runConformance('cpu', await loadFixtures());
 *
 * Across backends, `runCrossConformance(['cpu', 'onnx'], fixtures)`. For vitest,
 * `describeConformance(backend)` and `describeCrossBackends(backends)` from '@nabla/conformance/vitest'.
 */
export type { Capabilities, Case, CaseResult, Outcome, Status } from './case.js';
export type { SpecCase } from './cases/spec.js';
export { allSpecCases } from './cases/spec-cases.js';
export { buildCrossCases, pairsOf, runCrossConformance } from './cross-suite.js';
export { decode, type Fixtures, type LayerCase, loadFixtures, type OpCase, type TrainingRun } from './fixtures.js';
export { OPS } from './op-table.js';
export { type BackendNote, toMarkdown, toText } from './report.js';
export { buildCases, type Report, runCase, runConformance } from './suite.js';
export { compare, TOLERANCES, type Tolerance } from './tolerance.js';
