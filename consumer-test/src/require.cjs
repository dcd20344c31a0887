// CommonJS users: require() of the ESM-only packages either works (Node with require(esm))
// or fails with Node's message that says to use import(). Prints one JSON line.
const result = {};
try {
  require('@nabla/backend-cpu');
  const nb = require('@nabla/core');
  result.loaded = true;
  result.value = Array.from(nb.tensor([1, 2, 3]).mul(2).dataSync());
} catch (e) {
  result.loaded = false;
  result.code = e.code;
  result.message = String(e.message);
}
console.log(`CONSUMER_RESULT ${JSON.stringify(result)}`);
