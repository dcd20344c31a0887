/**
 * A child process for the crash test (io/crash.test.ts): saves one model to a folder over and over,
 * version after version, until it is killed. Version v sets every element of every weight to v, so
 * a loaded model shows which save it came from and whether two saves were mixed. Prints each
 * version once its save has returned.
 *
 * It starts idle, so that the test can start it ahead of time: it builds the model, prints
 * "ready", and begins when it reads one line of JSON on stdin, `{ "dir": ..., "last": <version> }`
 * (it then saves versions last + 1, last + 2, ...).
 */
import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { Dense, Sequential } from '../index.js';

const model = new Sequential([new Dense(256, { inputShape: [64], name: 'hidden' }), new Dense(16, { name: 'out' })]);
process.stdout.write('ready\n');
const { dir, last } = await new Promise<{ dir: string; last: number }>((resolve) => {
  let line = '';
  process.stdin.on('data', (chunk) => {
    line += chunk.toString();
    if (line.includes('\n')) resolve(JSON.parse(line));
  });
});
for (let v = last + 1; ; v++) {
  model.setWeights(model.weights.map((w) => nb.fill(w.shape, v)));
  await model.save(dir);
  process.stdout.write(`${v}\n`);
}
