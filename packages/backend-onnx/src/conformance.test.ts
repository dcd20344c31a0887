import '@nabla/backend-cpu';
import './index.js';
import { loadFixturesSync } from '@nabla/conformance/node';
import { describeConformance, describeCrossBackends } from '@nabla/conformance/vitest';

// The shared suite on both ONNX Runtime builds: native (onnxruntime-node) and WebAssembly; then
// every pair of them and the CPU backend against each other (values, gradients, training runs).
const fixtures = loadFixturesSync();
describeConformance('onnx', fixtures);
describeConformance('onnx-wasm', fixtures);
describeCrossBackends(['cpu', 'onnx', 'onnx-wasm'], fixtures);
