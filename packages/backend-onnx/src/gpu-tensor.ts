import type { OrtTensor } from './backend.js';

/**
 * Frees the GPU buffer of a tensor dropped undisposed. onnxruntime-web keeps a GPU output's
 * buffer until the tensor is disposed, whatever becomes of the tensor object, while core counts
 * on the garbage collector to take a buffer with a tensor nobody disposed.
 */
const collected = new FinalizationRegistry<OrtTensor>((tensor) => tensor.dispose?.());

/**
 * An output onnxruntime kept on the GPU ('gpu-buffer'): fed to later runs as it is, read by a
 * download, freed by dispose or, failing that, when collected.
 */
export class GpuTensor {
  private downloaded: Promise<unknown> | undefined;

  constructor(readonly tensor: OrtTensor) {
    collected.register(this, tensor, this);
  }

  /** Its data, downloaded once: onnxruntime-web refuses a second download while one is under way. */
  data(): Promise<unknown> {
    this.downloaded ??= (this.tensor.getData as () => Promise<unknown>).call(this.tensor);
    return this.downloaded;
  }

  dispose(): void {
    collected.unregister(this);
    this.tensor.dispose?.();
  }
}
