// The attention layers: each module registers its classes with registerLayer and is exported here.
export { MultiHeadAttention, type MultiHeadAttentionArgs } from './multi-head-attention.js';
export { PositionEmbedding, type PositionEmbeddingArgs } from './position-embedding.js';
export { SinePositionEncoding, type SinePositionEncodingArgs } from './sine-position-encoding.js';
export { TransformerEncoder, type TransformerEncoderArgs } from './transformer-encoder.js';
