import {
  buildCases,
  type Fixtures,
  type LayerCase,
  type OpCase,
  type Report,
  runCase,
  type TrainingRun,
  toMarkdown,
  toText,
} from '@nabla/conformance';
import type { ConformanceReport, Reply } from '../protocol.js';

/**
 * The suite's reference values (test-fixtures/), emitted as files beside the page and fetched
 * when the suite first runs: 5 MB of JSON that the Train view never needs.
 */
const files = import.meta.glob(['../../../../test-fixtures/*.json', '../../../../test-fixtures/training/*.json'], {
  query: '?url',
  import: 'default',
  eager: true,
}) as Record<string, string>;

async function json(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`conformance fixtures: ${url} answered HTTP ${res.status}`);
  return res.json();
}

let fixtures: Promise<Fixtures> | undefined;

export function loadFixtures(): Promise<Fixtures> {
  fixtures ??= (async () => {
    const entries = Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1));
    const get = (suffix: string) => entries.filter(([path]) => path.endsWith(suffix)).map(([, url]) => url);
    const ops = ((await json(get('/ops.json')[0])) as { cases: OpCase[] }).cases;
    const training = (await Promise.all(entries.filter(([p]) => p.includes('/training/')).map(([, url]) => json(url)))) as TrainingRun[];
    const layers = (
      await Promise.all(
        [...get('/layers.json'), ...get('/layers-torch.json')].map(async (url) => ((await json(url)) as { cases: LayerCase[] }).cases),
      )
    ).flat();
    if (!ops?.length || !training.length || !layers.length)
      throw new Error(
        `conformance fixtures: found ${ops?.length ?? 0} op cases, ${training.length} training runs, ${layers.length} layer cases`,
      );
    return { ops, training, layers };
  })();
  fixtures.catch(() => {
    fixtures = undefined;
  });
  return fixtures;
}

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Runs the suite on each backend in turn (only the cases of `groups`, when given), posting
 * progress at most every 100 ms and yielding so that a stop request is heard.
 */
export async function runSuite(
  id: number,
  backends: string[],
  groups: string[] | null,
  signal: AbortSignal,
  post: (r: Reply) => void,
): Promise<void> {
  const fx = await loadFixtures();
  const cases = buildCases(fx).filter((c) => !groups || groups.includes(c.group));
  const reports: (Report & { seconds: number })[] = [];
  for (const backend of backends) {
    const results: Report['results'] = [];
    const count = { pass: 0, fail: 0, skip: 0 };
    let lastPost = 0;
    let lastYield = performance.now();
    const t0 = performance.now();
    for (const c of cases) {
      if (signal.aborted) break;
      const r = await runCase(c, backend);
      results.push(r);
      count[r.status]++;
      const now = performance.now();
      if (now - lastPost > 100) {
        post({ type: 'conformance-progress', id, backend, done: results.length, total: cases.length, ...count });
        lastPost = now;
      }
      if (now - lastYield > 30) {
        await macrotask();
        lastYield = performance.now();
      }
    }
    post({ type: 'conformance-progress', id, backend, done: results.length, total: cases.length, ...count });
    reports.push({ backend, results, summary: { ...count, total: results.length }, seconds: (performance.now() - t0) / 1000 });
    if (signal.aborted) break;
  }
  const page: ConformanceReport[] = reports.map((r) => ({
    backend: r.backend,
    summary: r.summary,
    seconds: r.seconds,
    results: r.results.map(({ id, group, status, detail, maxError }) => ({ id, group, status, detail, maxError })),
  }));
  const by = `the nabla playground${signal.aborted ? ' (stopped before the end)' : ''}${groups ? `, groups ${groups.join(', ')}` : ''}`;
  post({ type: 'conformance-done', id, reports: page, markdown: toMarkdown(reports, by), text: toText(reports) });
}
