import '@nabla/backend-cpu';
import { loadFixturesSync } from './node.js';
import { describeConformance } from './vitest.js';

// The whole suite on the CPU backend: every case must pass (skips are declared, with reasons).
describeConformance('cpu', loadFixturesSync());
