// The release, rehearsed: on a temporary copy of the repository (the version bump is never
// committed), `changeset version` applies the pending changesets, then `pnpm publish --dry-run`
// packs every published package as the registry would receive it. Checks that each one gets a
// new version, names its internal dependencies by that version (not workspace:*), depends on
// no private package, and ships its README, LICENSE and build, without tests, test-utils or stale
// build output (a dist/ file whose source is gone: tsc never deletes one).
// Run by scripts/test.sh after the packages are built; alone: node scripts/release-dry-run.mjs.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'nabla-release-'));
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
};
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: 'pipe',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
const manifests = (dir) =>
  readdirSync(join(dir, 'packages')).map((name) => ({
    name,
    manifest: JSON.parse(readFileSync(join(dir, 'packages', name, 'package.json'), 'utf8')),
  }));

const start = performance.now();
try {
  // The copy: every file git would commit (tracked or new, not ignored), the packages' builds,
  // then its dependencies, from the pnpm store.
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(root, file))) continue; // deleted in the working tree
    mkdirSync(dirname(join(work, file)), { recursive: true });
    cpSync(join(root, file), join(work, file));
  }
  for (const { name } of manifests(root)) {
    if (!existsSync(join(root, 'packages', name, 'dist'))) throw new Error(`packages/${name}/dist is missing: build first (pnpm build)`);
    cpSync(join(root, 'packages', name, 'dist'), join(work, 'packages', name, 'dist'), { recursive: true });
  }
  // pnpm resolves workspace: ranges from the installed links: install the copy (from the store).
  run('pnpm', ['install', '--frozen-lockfile', '--offline'], work);

  console.log('release dry run: changeset version');
  const pending = readdirSync(join(work, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md').length;
  console.log(`  ${pending} pending changesets`);
  const before = new Map(manifests(work).map(({ manifest }) => [manifest.name, manifest.version]));
  run('pnpm', ['exec', 'changeset', 'version'], work);
  const after = manifests(work);
  const privateNames = new Set(after.filter(({ manifest }) => manifest.private).map(({ manifest }) => manifest.name));

  console.log('release dry run: pnpm publish --dry-run');
  for (const { name, manifest } of after.filter(({ manifest }) => !manifest.private)) {
    const was = before.get(manifest.name);
    // Right after a release nothing is pending, and versions rightly stay.
    check(pending === 0 || manifest.version !== was, `${manifest.name}: ${was} -> ${manifest.version}`);
    const deps = { ...manifest.dependencies, ...manifest.peerDependencies };
    const onPrivate = Object.keys(deps).filter((d) => privateNames.has(d));
    check(onPrivate.length === 0, `${manifest.name}: depends on no private package${onPrivate.length ? ` (${onPrivate.join(', ')})` : ''}`);
    let report;
    try {
      const out = run('pnpm', ['publish', '--dry-run', '--no-git-checks', '--json'], join(work, 'packages', name));
      report = JSON.parse(out.slice(out.indexOf('{')));
    } catch (e) {
      check(false, `${manifest.name}: pnpm publish --dry-run: ${e.stdout ?? ''}${e.stderr || e.message}`);
      continue;
    }
    const shipped = new Set((report.files ?? []).map((f) => f.path));
    const missing = ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts'].filter((f) => !shipped.has(f));
    check(
      missing.length === 0,
      `${manifest.name}@${report.version}: ${shipped.size} files${missing.length ? `; missing ${missing.join(', ')}` : ''}`,
    );
    const unwanted = [...shipped].filter((f) => {
      if (/(^|\/)test-utils\//.test(f) || /\.test\.(d\.ts|[cm]?[jt]s)(\.map)?$/.test(f)) return true;
      const built = /^dist\/(.*)\.(?:js|d\.ts)$/.exec(f);
      return built !== null && !shipped.has(`src/${built[1]}.ts`);
    });
    check(
      unwanted.length === 0,
      `${manifest.name}: no tests, test-utils or stale build output${unwanted.length ? ` (ships ${unwanted.join(', ')})` : ''}`,
    );
    // What the registry receives: pnpm replaces workspace: ranges with versions when it packs.
    const tarball = join(work, `${name}.tgz`);
    run('pnpm', ['pack', '--out', tarball], join(work, 'packages', name));
    const packed = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], work));
    const internal = Object.entries({ ...packed.dependencies, ...packed.peerDependencies }).filter(([d]) => d.startsWith('@nabla/'));
    const stale = internal.filter(([d, range]) => range !== after.find(({ manifest: m }) => m.name === d)?.manifest.version);
    check(
      stale.length === 0,
      `${manifest.name}: internal dependencies by version${internal.length ? ` (${internal.map(([d, r]) => `${d} ${r}`).join(', ')})` : ''}`,
    );
  }
} catch (e) {
  failures.push(e instanceof Error ? e.message : String(e));
  console.error(e);
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`release dry run: ${((performance.now() - start) / 1000).toFixed(1)} s`);
if (failures.length > 0) {
  console.error(`release dry run: ${failures.length} failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('release dry run: passed (nothing committed, nothing published)');
