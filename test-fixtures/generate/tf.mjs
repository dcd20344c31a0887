import tf from '@tensorflow/tfjs';

/**
 * TensorFlow.js on its pure-JavaScript CPU backend: float32 throughout, no native code, so the
 * results do not depend on the machine's BLAS or GPU. The package is CommonJS, hence the
 * default import.
 */
export async function loadTf() {
  await tf.setBackend('cpu');
  await tf.ready();
  // The CPU backend prints a banner suggesting tfjs-node on its first tensor. Swallow that one
  // message instead of turning on PROD mode, which would change TF.js's own checks.
  const warn = console.warn;
  console.warn = (...args) => {
    if (!String(args[0]).includes('running TensorFlow.js in Node.js')) warn(...args);
  };
  try {
    tf.tidy(() => tf.scalar(0).dataSync());
  } finally {
    console.warn = warn;
  }
  return tf;
}

export const GENERATOR = `@tensorflow/tfjs ${tf.version.tfjs} (cpu backend)`;
