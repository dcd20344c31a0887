import '@nabla/backend-cpu';
import './index.js';
import { loadFixturesSync } from '@nabla/conformance/node';
import { describeConformance } from '@nabla/conformance/vitest';

const fixtures = loadFixturesSync();
describeConformance('onnx-webgpu', fixtures);
