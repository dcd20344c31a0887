// The merging layers: each module registers its classes with registerLayer and is exported here.
export { Concatenate, type ConcatenateArgs } from './concatenate.js';
export { Dot, type DotArgs } from './dot.js';
export { Add, Average, Maximum, Minimum, Multiply, Subtract } from './elementwise.js';
