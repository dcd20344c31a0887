import './index.js';
import { loadFixturesSync } from '@nabla/conformance/node';
import { describeConformance } from '@nabla/conformance/vitest';

// The shared suite on both ONNX Runtime builds: native (onnxruntime-node) and WebAssembly.
const fixtures = loadFixturesSync();
describeConformance('onnx', fixtures);
describeConformance('onnx-wasm', fixtures);
