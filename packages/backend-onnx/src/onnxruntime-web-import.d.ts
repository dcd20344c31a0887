/**
 * Types for '#onnxruntime-web' (package.json "imports": onnxruntime-web's WebAssembly-only build
 * in browsers, its Node build elsewhere). Both builds have onnxruntime-web's one API; its types
 * are ambient module declarations, which a subpath import cannot reach by resolution.
 */
declare module '#onnxruntime-web' {
  export * from 'onnxruntime-web';
}
