// The embedding layer: registers itself with registerLayer and is exported here.
export { Embedding, type EmbeddingArgs } from './embedding.js';
