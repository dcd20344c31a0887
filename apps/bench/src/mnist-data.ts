import { createRequire } from 'node:module';
import { Dense, Sequential } from '@nabla/nn';

/** What the `mnist` package (CommonJS, untyped) exposes per digit: its 28x28 images, concatenated. */
interface MnistDigit {
  length: number;
  raw: number[];
}

export const PIXELS = 784;

/**
 * n samples: the digits 0-9 in turn, each digit's images in order, the same on every run; past
 * the package's 10,000 (about 1,000 per digit) they cycle again, so 60,000 samples use each image
 * about 6 times.
 */
export function mnistDigits(n: number): { images: Float32Array; labels: Int32Array } {
  const mnist = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const d = i % 10;
    const k = Math.floor(i / 10) % mnist[d].length;
    images.set(mnist[d].raw.slice(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
    labels[i] = d;
  }
  return { images, labels };
}

/** Every image of the package once (10,000: about 1,000 per digit), digit by digit. */
export function allDigits(): { images: Float32Array; labels: Int32Array } {
  const mnist = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const n = mnist.reduce((sum, d) => sum + d.length, 0);
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  let i = 0;
  mnist.forEach((digit, d) => {
    images.set(digit.raw, i * PIXELS);
    labels.fill(d, i, i + digit.length);
    i += digit.length;
  });
  return { images, labels };
}

/** The benchmarks' MNIST model: 784-128(relu)-10(softmax), Adam, sparse categorical cross-entropy. */
export function mnistMlp(): Sequential {
  const model = new Sequential([new Dense(128, { inputShape: [PIXELS], activation: 'relu' }), new Dense(10, { activation: 'softmax' })]);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return model;
}
