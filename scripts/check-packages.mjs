// What a published package must declare, checked on its sources in a second (the consumer test,
// scripts/consumer-test.mjs, checks the packed result; this catches the cause earlier, in lint):
//   - README.md and LICENSE, and the metadata a registry user expects;
//   - dependencies pinned to exact versions (workspace ones aside): users install the versions
//     the tests ran against, not whatever a range resolves to on the day;
//   - "files" that ship dist/ and keep tests and test-utils out (of src/, and of the build);
//   - `sideEffects` that keep what runs on import: a module imported only for its effect
//     (`import './x.js'`) and the module importing it, and a module that registers something (a
//     backend, a layer class) at its top level. Bundlers drop modules a package calls side-effect free, and skip the body
//     of such a barrel, bare imports included, when they follow its re-exports.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const problems = [];

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'test-utils' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  const say = (what) => problems.push(`${pkg.name}: ${what}`);
  for (const file of ['README.md', 'LICENSE']) if (!existsSync(join(dir, file))) say(`no ${file}`);
  for (const field of ['description', 'license', 'repository', 'keywords', 'engines', 'exports', 'files']) {
    if (pkg[field] === undefined) say(`package.json has no "${field}"`);
  }
  if (pkg.sideEffects === undefined) say('package.json has no "sideEffects" (false, or the modules that run on import)');
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, spec] of Object.entries(pkg[field] ?? {})) {
      if (!spec.startsWith('workspace:') && !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(spec))
        say(`${field}: ${dep} is "${spec}", not an exact version`);
    }
  }
  const files = pkg.files ?? [];
  if (!files.includes('dist')) say('"files" does not ship dist');
  const testUtils = existsSync(join(dir, 'src', 'test-utils'));
  if (files.includes('src')) {
    if (!files.includes('!src/**/*.test.ts')) say('"files" ships src but not "!src/**/*.test.ts": the tests would ship');
    if (testUtils && !files.includes('!src/test-utils')) say('"files" ships src but not "!src/test-utils"');
  }
  if (testUtils) {
    const build = readFileSync(join(dir, 'tsconfig.build.json'), 'utf8');
    if (!/"src\/test-utils(\/\*\*)?"/.test(build)) say('tsconfig.build.json does not exclude src/test-utils: dist/ would ship it');
  }
  const declared = new Set(Array.isArray(pkg.sideEffects) ? pkg.sideEffects : []);
  for (const entry of declared) {
    const source = entry.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
    if (!existsSync(join(dir, source))) say(`sideEffects lists ${entry}, but ${source} does not exist`);
  }
  const need = (file, why) => {
    const built = `./${relative(dir, file)
      .replace(/^src\//, 'dist/')
      .replace(/\.ts$/, '.js')}`;
    if (!declared.has(built)) say(`sideEffects must list ${built}: ${why}`);
  };
  for (const file of sources(join(dir, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const [, target] of text.matchAll(/^import '(\.[^']+)';/gm)) {
      const imported = join(file, '..', target.replace(/\.js$/, '.ts'));
      need(file, `it imports ${target} for its effect`);
      need(imported, `${relative(dir, file)} imports it for its effect`);
    }
    // A top-level registration (a backend, a layer class: loadModel finds layers by name) or throw,
    // also as the body of a top-level loop.
    if (/^(for \(.*\) )?(register[A-Z]\w*\(|throw )/m.test(text)) need(file, 'it registers something or throws when loaded');
  }
}

if (problems.length > 0) {
  console.error(`packages:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
