export { type Distributed, isDistributed } from './distributed.js';
export { type LocalGroupOptions, type LocalRank, localGroup } from './local.js';
