import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/**
 * TensorFlow.js 4.22.0 as the peer: its pure-JS CPU backend and its WASM backend (single
 * threaded in Node). Both run in this process beside nabla.
 */
export type Peer = 'tfjs-cpu' | 'tfjs-wasm';
export const PEERS: Peer[] = ['tfjs-cpu', 'tfjs-wasm'];

export async function usePeer(peer: Peer): Promise<typeof tf> {
  const ok = await tf.setBackend(peer === 'tfjs-cpu' ? 'cpu' : 'wasm');
  if (!ok) throw new Error(`bench: TensorFlow.js backend for ${peer} failed to initialize`);
  await tf.ready();
  return tf;
}
