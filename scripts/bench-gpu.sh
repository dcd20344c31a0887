#!/usr/bin/env bash
# The GPU benchmark: nabla's webgpu backend (its own WGSL kernels, on Dawn) beside onnx-webgpu
# (onnxruntime's WebGPU execution provider), with onnx and cpu as the yardstick: matmul GFLOP/s,
# MNIST MLP training samples/s per batch size, the conv train step's ms per step; medians and
# ratios, and a JSON file in bench-results/. Options pass through and win over the defaults here,
# e.g. ./scripts/bench-gpu.sh --sizes 1024,2048 --batches 256,4096 --backends webgpu,onnx-webgpu
# A GPU backend that finds no adapter gets a row saying so; the run goes on without it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# Dawn and onnxruntime's WebGPU provider reach the GPU through Vulkan on Linux: the loader
# (libvulkan1) and the GPU's driver. In a container with an NVIDIA GPU, the driver's Vulkan part
# comes with NVIDIA_DRIVER_CAPABILITIES including 'graphics'.
if [ "$(uname)" = Linux ] && ! ldconfig -p | grep -q 'libvulkan\.so\.1 '; then
  echo "scripts/bench-gpu.sh: no Vulkan loader (libvulkan.so.1): the webgpu and onnx-webgpu rows will say 'not available' (Debian/Ubuntu: apt-get install libvulkan1)" >&2
fi
if [ -n "${VK_ICD_FILENAMES:-}" ]; then
  echo "scripts/bench-gpu.sh: VK_ICD_FILENAMES=$VK_ICD_FILENAMES picks the Vulkan driver; a software one (SwiftShader) says nothing about GPU speed" >&2
fi
pnpm exec turbo run build --filter=@nabla/bench... --output-logs=errors-only
node apps/bench/dist/main.js "$@" --workloads gpu-matmul,gpu-mlp,gpu-conv --backends webgpu,onnx-webgpu,onnx,cpu
