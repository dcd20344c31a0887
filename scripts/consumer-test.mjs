// The consumer test: nabla as npm users get it. Packs every published package, installs the
// tarballs into a temporary project outside the workspace (consumer-test/ copied to a temporary
// folder, dependencies from the pnpm store, offline when the store has them), then checks that
//   - the tarballs: each ships its build and README, no tests, no test-utils, and no stale build
//     output (a dist/ file whose source is gone: tsc never deletes one);
//   - Node: the README's examples (extracted from README.md) run on every Node backend, webgpu
//     (Dawn) included, each package README's example runs and prints the values its comments
//     state, the backend packages' entries register what they should, @nabla/distributed's
//     example also runs as two ranks through its launcher (where a Python has torch), and
//     require() from CommonJS works or says to use import;
//   - TypeScript: strict, with node16 and bundler resolution (a Node program; a page without
//     Node's types), the examples type-check and wrong calls stay type errors;
//   - browsers: Vite production builds of four pages (core + cpu; core + webgpu, training on
//     Chromium's WebGPU adapter, SwiftShader here; Keras and core training on cpu and onnx-wasm;
//     the onnx package's other entries) work in headless Chromium, with matching losses across
//     backends and no failed request;
//   - bundle sizes (printed; core + cpu must stay under 150 kB minified).
// Node runs go through scripts/with-vulkan.mjs: Dawn needs a Vulkan driver, and on a machine
// without a GPU that points VK_ICD_FILENAMES at the SwiftShader driver of Debian's chromium.
// Run by scripts/test.sh; alone: node scripts/consumer-test.mjs (NABLA_KEEP_CONSUMER=1 keeps the folder).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright';
import { chromiumLaunchOptions } from './chromium.mjs';

const root = join(import.meta.dirname, '..');
const MINIMAL_PAGE_LIMIT = 150_000; // bytes of minified JavaScript for core + cpu
const NODE_BACKENDS = ['cpu', 'onnx', 'onnx-wasm', 'webgpu'];
const WITH_VULKAN = join(root, 'scripts', 'with-vulkan.mjs');
// A page has this long to report (WebGPU on SwiftShader is software, and slow on a loaded machine).
const PAGE_TIMEOUT_MS = 300_000;

const failures = [];
const timings = [];
function check(ok, what) {
  if (!ok) failures.push(what);
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
}
async function timed(name, fn) {
  const start = performance.now();
  console.log(`consumer test: ${name}`);
  try {
    return await fn();
  } finally {
    timings.push([name, (performance.now() - start) / 1000]);
  }
}
/** Runs a command; resolves to its exit code, output (stdout and stderr) and stdout (never rejects). */
function exec(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    // NABLA_BACKEND from the caller's environment would pick the backend of every run: clear it.
    const env = { ...process.env, NABLA_BACKEND: '', ...opts.env };
    const child = spawn(cmd, args, { ...opts, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (d) => {
      output += d;
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => resolve({ code, output, stdout }));
  });
}
/** Runs Node with a Vulkan driver for Dawn (scripts/with-vulkan.mjs sets VK_ICD_FILENAMES when unset). */
const node = (args, opts) => exec('node', [WITH_VULKAN, 'node', ...args], opts);
function resultLine(output) {
  const line = output.split('\n').find((l) => l.startsWith('CONSUMER_RESULT '));
  return line ? JSON.parse(line.slice('CONSUMER_RESULT '.length)) : undefined;
}
const close = (a, b, rel) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

/** The workspace's published packages: packages/* that are not private. */
const published = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter((p) => !p.manifest.private);

/** The README's "Example" section as one TypeScript module (its ```ts blocks, in order). */
function readmeExamples() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = /^## Example\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  const blocks = [...section.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  if (blocks.length !== 3)
    throw new Error(`README.md's Example section: expected 3 ts blocks (Keras way, functional API, core alone), found ${blocks.length}`);
  const lines = blocks.join('\n').split('\n');
  const lastImport = lines.findLastIndex((l) => l.startsWith('import '));
  lines.splice(
    lastImport + 1,
    0,
    "import '@nabla/backend-onnx'; // consumer test: registers 'onnx' and 'onnx-wasm' for NABLA_BACKEND",
    "import '@nabla/backend-webgpu'; // consumer test: registers 'webgpu' for NABLA_BACKEND",
  );
  return [
    '// Generated by scripts/consumer-test.mjs from README.md (section "Example"); do not edit.',
    ...lines,
    '// consumer test: what the run must show',
    'const consumerResult = { backend: nb.getBackend(), w: await params.w.item(), b: await params.b.item(), mse: await nb.mean(nb.square(yPred.sub(y))).item() };',
    "console.log('CONSUMER_RESULT ' + JSON.stringify(consumerResult));",
    "await nb.getBackendInstance('webgpu').destroy?.(); // Dawn holds its device until then (nothing to do on other backends)",
    '',
  ].join('\n');
}

/**
 * Each published package's README examples (its ```ts blocks), as one module per package that
 * ends by reporting its backend, with the values its comments state exactly: a JSON array after
 * `console.log(...); //` (not "~3" or "about 0.99"), which the run must print.
 */
function packageReadmeExamples() {
  return published.flatMap(({ dir }) => {
    const path = join(root, 'packages', dir, 'README.md');
    const blocks = existsSync(path) ? [...readFileSync(path, 'utf8').matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]) : [];
    check(blocks.length > 0, `packages/${dir}/README.md has an example`);
    if (blocks.length === 0) return [];
    const code = blocks.join('\n');
    const states = [...code.matchAll(/^console\.log\(.*\); \/\/ (\[.*\])$/gm)].flatMap(([, comment]) => {
      try {
        return [JSON.stringify(JSON.parse(comment))];
      } catch {
        return [];
      }
    });
    const reports = /^import \* as nb from '@nabla\/core';$/m.test(code);
    const trailer = reports
      ? "\n// consumer test: the backend it ran on\nconsole.log('CONSUMER_RESULT ' + JSON.stringify({ backend: nb.getBackend() }));\n"
      : '';
    return [
      { dir, states, source: `// Generated by scripts/consumer-test.mjs from packages/${dir}/README.md; do not edit.\n${code}${trailer}` },
    ];
  });
}

/**
 * What a tarball ships that it must not: tests, test-utils, and stale build output (a dist/ file
 * whose source is gone: tsc never deletes one, so a moved or deleted module lingers in dist/).
 */
function tarballProblems(files) {
  const shipped = new Set(files);
  const problems = [];
  for (const must of ['package/package.json', 'package/README.md', 'package/dist/index.js', 'package/dist/index.d.ts'])
    if (!shipped.has(must)) problems.push(`no ${must.slice('package/'.length)}`);
  for (const f of files) {
    const path = f.slice('package/'.length);
    if (/(^|\/)test-utils\//.test(path) || /\.test\.[cm]?[jt]s(\.map)?$/.test(path) || /\.test\.d\.ts/.test(path))
      problems.push(`ships ${path}`);
    const built = /^dist\/(.*)\.(?:js|d\.ts)$/.exec(path);
    if (built && ![`src/${built[1]}.ts`, `src/${built[1]}.tsx`].some((s) => shipped.has(`package/${s}`)))
      problems.push(`ships ${path}, whose source src/${built[1]}.ts is gone (stale build output)`);
  }
  return problems;
}

/** A static server for a built page (onnxruntime's .wasm must be served as application/wasm). */
function serve(dir) {
  const types = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.mjs': 'text/javascript',
    '.wasm': 'application/wasm',
    '.css': 'text/css',
  };
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Bytes of a built page's JavaScript (minified, and gzipped) and of its .wasm files. */
function pageSizes(dist) {
  const files = readdirSync(join(dist, 'assets')).map((f) => join(dist, 'assets', f));
  const js = files.filter((f) => f.endsWith('.js') || f.endsWith('.mjs'));
  const wasm = files.filter((f) => f.endsWith('.wasm'));
  return {
    js: js.reduce((a, f) => a + statSync(f).size, 0),
    jsGzip: js.reduce((a, f) => a + gzipSync(readFileSync(f)).length, 0),
    wasm: Object.fromEntries(wasm.map((f) => [relative(dist, f), statSync(f).size])),
  };
}
const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

const work = mkdtempSync(join(tmpdir(), 'nabla-consumer-'));
const project = join(work, 'project');
const tarballs = join(work, 'tarballs');
const pnpm = (args, opts) =>
  execFileSync('pnpm', args, { stdio: 'pipe', encoding: 'utf8', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' }, ...opts });
const start = performance.now();
let packageExamples = [];
try {
  await timed('build and pack', () => {
    pnpm(['exec', 'turbo', 'run', 'build', ...published.map((p) => `--filter=${p.manifest.name}`), '--output-logs=errors-only'], {
      cwd: root,
    });
    mkdirSync(tarballs);
    for (const { dir, manifest } of published) {
      const tarball = join(tarballs, `nabla-${dir}.tgz`);
      pnpm(['pack', '--out', tarball], { cwd: join(root, 'packages', dir) });
      const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
      const problems = tarballProblems(files);
      const dist = files.filter((f) => f.startsWith('package/dist/')).length;
      check(
        problems.length === 0,
        `${manifest.name}: the tarball ships ${files.length} files (${dist} in dist/)${problems.length ? `; ${problems.join('; ')}` : ', no tests, test-utils or stale build output'}`,
      );
    }
    cpSync(join(root, 'consumer-test'), project, { recursive: true, filter: (src) => !/[/\\](node_modules|out|dist)$/.test(src) });
    writeFileSync(join(project, 'src', 'readme.ts'), readmeExamples());
    packageExamples = packageReadmeExamples();
    for (const { dir, source } of packageExamples) writeFileSync(join(project, 'src', `readme-${dir}.ts`), source);
  });

  await timed('install the tarballs', async () => {
    const env = { ONNXRUNTIME_NODE_INSTALL: 'skip', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };
    let r = await exec('pnpm', ['install', '--offline'], { cwd: project, env });
    if (r.code !== 0) {
      const reason = r.output
        .split('\n')
        .find((l) => /ERR_|Failed/.test(l))
        ?.trim();
      console.log(`  (offline, pnpm lacked something: ${reason ?? 'see its output'}; installing with --prefer-offline)`);
      r = await exec('pnpm', ['install', '--prefer-offline'], { cwd: project, env });
    }
    if (r.code !== 0) throw new Error(`pnpm install failed in ${project}:\n${r.output}`);
    // Every published package is installed, and is the build just packed (with a lockfile,
    // pnpm would reuse its cached copy of a file: tarball).
    const deps = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).dependencies;
    for (const { dir, manifest } of published) {
      check(deps[manifest.name] === `file:../tarballs/nabla-${dir}.tgz`, `${manifest.name}: installed from its tarball`);
      if (deps[manifest.name] === undefined) continue;
      const installed = join(project, 'node_modules', manifest.name);
      const same =
        readFileSync(join(installed, 'dist/index.js'), 'utf8') === readFileSync(join(root, 'packages', dir, 'dist/index.js'), 'utf8');
      if (!same) throw new Error(`${manifest.name} in ${installed} is not the package just packed`);
    }
  });

  await timed('TypeScript (strict; node16 and bundler resolution, Node and browser)', async () => {
    const tsc = join(project, 'node_modules/typescript/bin/tsc');
    const configs = ['tsconfig.node16.json', 'tsconfig.bundler.json', 'tsconfig.browser.json'];
    const runs = await Promise.all(configs.map((config) => exec('node', [tsc, '-p', config], { cwd: project })));
    for (const [i, r] of runs.entries()) {
      const config = configs[i];
      check(r.code === 0, `${config}: the READMEs' examples and the pages type-check; every wrong call is a type error`);
      if (r.code !== 0) console.log(r.output);
    }
  });

  await timed(`Node ESM: the README's examples on ${NODE_BACKENDS.join(', ')}; CommonJS require()`, async () => {
    const runs = await Promise.all(
      NODE_BACKENDS.map((backend) => node(['out/readme.js'], { cwd: project, env: { NABLA_BACKEND: backend } })),
    );
    const results = runs.map((r, i) => {
      const result = resultLine(r.output);
      check(r.code === 0 && result?.backend === NODE_BACKENDS[i], `${NODE_BACKENDS[i]}: the README's examples run`);
      if (r.code !== 0 || !result) console.log(r.output.slice(-3000));
      else console.log(`       w ${result.w.toFixed(5)}, b ${result.b.toFixed(5)}, Keras fit's mse ${result.mse.toFixed(5)}`);
      return result;
    });
    const [cpu, ...others] = results;
    if (cpu) {
      check(Math.abs(cpu.w - 3) < 0.1 && Math.abs(cpu.b - 0.5) < 0.1, 'core alone: w ~3 and b ~0.5, as the README says');
      for (const [i, r] of others.entries()) {
        if (r)
          check(close(r.w, cpu.w, 1e-4) && close(r.b, cpu.b, 1e-4) && close(r.mse, cpu.mse, 1e-3), `${NODE_BACKENDS[i + 1]} matches cpu`);
      }
    }
    const withExamples = packageExamples.filter(({ dir }) => existsSync(join(project, 'out', `readme-${dir}.js`)));
    const packageRuns = await Promise.all(withExamples.map(({ dir }) => node([`out/readme-${dir}.js`], { cwd: project })));
    for (const [i, r] of packageRuns.entries()) {
      const { dir, states } = withExamples[i];
      const backend = resultLine(r.output)?.backend;
      check(r.code === 0, `packages/${dir}/README.md: the example runs${backend ? ` on ${backend}` : ''}`);
      // What it printed (stdout: Dawn's Vulkan loader may complain on stderr), to compare with the README's comments.
      const printed = r.stdout
        .split('\n')
        .filter((l) => !l.startsWith('CONSUMER_RESULT '))
        .join(' ');
      console.log(r.code === 0 ? `       prints: ${printed.trim().replace(/\s+/g, ' ').slice(0, 200)}` : r.output.slice(-3000));
      // A backend package's example runs on its own backend: backend-cpu on 'cpu', backend-webgpu on 'webgpu'.
      if (dir.startsWith('backend-'))
        check(backend === dir.slice('backend-'.length), `packages/${dir}/README.md: runs on '${dir.slice(8)}'`);
      const compact = printed.replace(/\s+/g, '');
      for (const value of states) check(compact.includes(value), `packages/${dir}/README.md: prints ${value}, as its comment says`);
    }
    // @nabla/distributed's example again, as two gloo ranks started by its bin: the launcher's
    // Python module as the tarball ships it, where a Python imports torch (scripts/test.sh installs Debian's).
    if (withExamples.some(({ dir }) => dir === 'distributed')) {
      const launcher = join(project, 'node_modules/@nabla/distributed/dist/cli.js');
      const dist = await exec('node', [launcher, '--nproc', '2', 'out/readme-distributed.js'], { cwd: project });
      const ranks = dist.stdout.replace(/\s+/g, '').split('[true,2]').length - 1;
      if (dist.code === 2 && /no Python with torch/.test(dist.output))
        console.log(`  skip @nabla/distributed's launcher: ${dist.output.trim()}`);
      else
        check(
          dist.code === 0 && ranks === 2,
          `@nabla/distributed: npx nabla-dist --nproc 2 runs its README's example on 2 ranks (${ranks} printed [true, 2])`,
        );
      if (dist.code !== 0) console.log(dist.output.slice(-3000));
    }
    const onnxNode = await exec(
      'node',
      [
        '--input-type=module',
        '-e',
        "await import('@nabla/backend-onnx/node'); const nb = await import('@nabla/core'); console.log('CONSUMER_RESULT ' + JSON.stringify(nb.listBackends()))",
      ],
      { cwd: project },
    );
    check(
      JSON.stringify(resultLine(onnxNode.output)) === '["onnx","onnx-wasm","onnx-webgpu"]',
      `Node: '@nabla/backend-onnx/node' registers onnx, onnx-wasm and onnx-webgpu (${JSON.stringify(resultLine(onnxNode.output))})`,
    );
    const webInNode = await exec(
      'node',
      [
        '--input-type=module',
        '-e',
        "await import('@nabla/backend-onnx/web'); const nb = await import('@nabla/core'); console.log('CONSUMER_RESULT ' + JSON.stringify({ backend: nb.getBackend(), value: Array.from(await nb.tensor([1, 2]).mul(2).data()) }))",
      ],
      { cwd: project },
    );
    check(
      JSON.stringify(resultLine(webInNode.output)) === '{"backend":"onnx-wasm","value":[2,4]}',
      "Node: '@nabla/backend-onnx/web' still registers onnx-wasm, which computes",
    );
    if (webInNode.code !== 0) console.log(webInNode.output.slice(-2000));
    const cjs = await exec('node', ['src/require.cjs'], { cwd: project });
    const r = resultLine(cjs.output);
    const works = r?.loaded === true && JSON.stringify(r.value) === '[2,4,6]';
    const saysImport = r?.loaded === false && /import/.test(r.message);
    check(works || saysImport, `CommonJS: require() ${r?.loaded ? 'works' : `fails and says to use import (${r?.code})`}`);
    if (!works && !saysImport) console.log(cjs.output);
  });

  const sizes = await timed('browser: Vite production builds in headless Chromium', async () => {
    const vite = join(project, 'node_modules/vite/bin/vite.js');
    const pages = ['minimal', 'webgpu', 'train', 'entries'];
    const builds = await Promise.all(
      pages.map((page) => exec('node', [vite, 'build', join('browser', page), '--logLevel', 'warn'], { cwd: project })),
    );
    const built = pages.filter((page, i) => {
      check(builds[i].code === 0, `browser/${page}: vite build`);
      if (builds[i].code !== 0) console.log(builds[i].output.split('\n').slice(0, 12).join('\n'));
      return builds[i].code === 0;
    });
    const browser = await chromium.launch(chromiumLaunchOptions);
    const outcomes = {};
    const wasmRequests = new Set();
    try {
      for (const page of built) {
        const server = await serve(join(project, 'browser', page, 'dist'));
        const tab = await browser.newPage();
        const failed = [];
        tab.on('requestfailed', (req) => failed.push(`${req.url()} (${req.failure()?.errorText})`));
        tab.on('response', (res) => {
          if (res.status() >= 400) failed.push(`${res.url()} (${res.status()})`);
          if (res.url().endsWith('.wasm')) wasmRequests.add(res.url().split('/').pop());
        });
        // An uncaught error (a module that fails to load) means the page will never report.
        const crashed = new Promise((_, reject) =>
          tab.on('pageerror', (e) => {
            failed.push(`page error: ${e.message}`);
            reject(new Error(`uncaught: ${e.message}`));
          }),
        );
        crashed.catch(() => {});
        try {
          await tab.goto(`http://127.0.0.1:${server.address().port}/`);
          await Promise.race([
            tab.waitForFunction(() => window.consumerOutcome !== undefined, null, { timeout: PAGE_TIMEOUT_MS }),
            crashed,
          ]);
          outcomes[page] = await tab.evaluate(() => window.consumerOutcome);
        } catch (e) {
          outcomes[page] = { ok: false, error: String(e) };
        } finally {
          await tab.close();
          server.close();
        }
        check(outcomes[page].ok, `browser/${page}: runs${outcomes[page].ok ? '' : `: ${outcomes[page].error}`}`);
        check(failed.length === 0, `browser/${page}: no failed request${failed.length ? `: ${failed.join(', ')}` : ''}`);
      }
    } finally {
      await browser.close();
    }
    const minimal = outcomes.minimal?.results;
    if (minimal)
      check(
        Math.abs(minimal.w - 3) < 0.1 && Math.abs(minimal.b - 0.5) < 0.1,
        `browser/minimal: w ${minimal.w?.toFixed(5)}, b ${minimal.b?.toFixed(5)}`,
      );
    const train = outcomes.train?.results;
    if (train) {
      const { cpu } = train;
      for (const [backend, r] of Object.entries(train))
        console.log(`       ${backend}: core loss ${r.core.loss}, Keras loss ${r.keras.firstLoss} -> ${r.keras.lastLoss}`);
      check(cpu.keras.lastLoss < cpu.keras.firstLoss / 2, 'browser/train: the Keras example learns on cpu');
      const wasm = train['onnx-wasm'];
      check(
        close(cpu.core.w, wasm.core.w, 1e-4) &&
          close(cpu.core.loss, wasm.core.loss, 1e-3) &&
          close(cpu.keras.lastLoss, wasm.keras.lastLoss, 1e-3),
        'browser/train: onnx-wasm losses match cpu',
      );
    }
    const webgpu = outcomes.webgpu?.results;
    if (webgpu) {
      check(
        JSON.stringify(webgpu.backends) === '["webgpu"]' && webgpu.backend === 'webgpu',
        `browser/webgpu: '@nabla/backend-webgpu' registers webgpu, the default (backends ${JSON.stringify(webgpu.backends)}, on ${webgpu.backend})`,
      );
      check(
        JSON.stringify(webgpu.product) === '[[5,11],[11,25]]',
        `browser/webgpu: its README's example gives ${JSON.stringify(webgpu.product)} (README: [[5, 11], [11, 25]])`,
      );
      const { w, b, loss } = webgpu.core;
      const cpu = train?.cpu.core;
      check(
        cpu
          ? close(w, cpu.w, 1e-4) && close(b, cpu.b, 1e-4) && close(loss, cpu.loss, 1e-3)
          : Math.abs(w - 3) < 0.1 && Math.abs(b - 0.5) < 0.1,
        `browser/webgpu: core alone trains to w ${w?.toFixed(5)}, b ${b?.toFixed(5)}${cpu ? ', as on cpu' : ''}`,
      );
    }
    const entries = outcomes.entries?.results;
    if (entries) {
      check(entries.backends.includes('onnx-wasm'), "browser/entries: '@nabla/backend-onnx/web' registers onnx-wasm");
      check(
        /needs Node\.js/.test(entries.nodeEntryError ?? ''),
        `browser/entries: '@nabla/backend-onnx/node' fails clearly: ${entries.nodeEntryError}`,
      );
    }
    console.log(`       .wasm files the pages loaded: ${[...wasmRequests].join(', ') || 'none'}`);
    const size = (page) => (built.includes(page) ? pageSizes(join(project, 'browser', page, 'dist')) : undefined);
    return { minimal: size('minimal'), webgpu: size('webgpu'), train: size('train') };
  });

  console.log('consumer test: bundle sizes (Vite production build)');
  const { minimal, webgpu, train } = sizes;
  const line = (what, page) => console.log(`  ${what.padEnd(28)} ${kB(page.js)} of JavaScript minified, ${kB(page.jsGzip)} gzipped`);
  if (minimal) line('core + cpu:', minimal);
  if (webgpu) line('core + webgpu:', webgpu);
  if (train) {
    line('core + cpu + nn + onnx-wasm:', train);
    for (const [file, size] of Object.entries(train.wasm)) console.log(`  ${''.padEnd(28)} + ${file}: ${kB(size)}`);
  }
  check(minimal !== undefined && minimal.js < MINIMAL_PAGE_LIMIT, `core + cpu page under ${kB(MINIMAL_PAGE_LIMIT)} minified`);
} catch (e) {
  failures.push(e instanceof Error ? e.message : String(e));
  console.error(e);
} finally {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: scripts/test.sh runs this script, not turbo
  if (process.env.NABLA_KEEP_CONSUMER) console.log(`consumer test: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

console.log(
  `consumer test: ${((performance.now() - start) / 1000).toFixed(1)} s (${timings.map(([n, s]) => `${n.split(':')[0]} ${s.toFixed(1)} s`).join('; ')})`,
);
if (failures.length > 0) {
  console.error(`consumer test: ${failures.length} failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('consumer test: all passed');
