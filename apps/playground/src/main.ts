import './style.css';
import { WorkerClient } from './client.js';
import type { BackendStatus } from './protocol.js';
import { clear, h } from './ui/dom.js';
import { compareView } from './views/compare.js';
import { conformanceView } from './views/conformance.js';
import { trainView } from './views/train.js';

type ViewName = 'train' | 'compare' | 'conformance';

/**
 * The page: three views behind the header's links (#train, #compare, #conformance), each with
 * its own worker, made on first visit. The backends are probed once, in the Train view's worker.
 */
async function start(): Promise<void> {
  const app = document.getElementById('app') as HTMLElement;
  const line = document.getElementById('backends-line') as HTMLElement;
  const trainClient = new WorkerClient();
  let backends: BackendStatus[];
  try {
    backends = (await trainClient.ask<'probe'>({ type: 'probe' })).backends;
  } catch (e) {
    clear(line, h('span', { class: 'bad' }, `The worker could not start: ${(e as Error).message}`));
    return;
  }
  clear(
    line,
    'Backends here: ',
    ...backends.flatMap((b, i) => [
      i ? ', ' : '',
      h('code', { class: b.available ? 'good' : 'muted', title: b.reason }, b.name),
      b.available ? '' : ' (unavailable)',
    ]),
  );
  document.body.dataset.backends = backends
    .filter((b) => b.available)
    .map((b) => b.name)
    .join(',');

  const made = new Map<ViewName, HTMLElement>();
  const make: Record<ViewName, () => HTMLElement> = {
    train: () => trainView(trainClient, backends),
    compare: () => compareView(new WorkerClient(), backends),
    conformance: () => conformanceView(new WorkerClient(), backends),
  };
  const show = () => {
    const name = (location.hash.slice(1) || 'train') as ViewName;
    const view = name in make ? name : 'train';
    if (!made.has(view)) {
      const el = make[view]();
      made.set(view, el);
      app.append(el);
    }
    for (const [k, el] of made) el.hidden = k !== view;
    for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) a.classList.toggle('active', a.dataset.view === view);
    document.body.dataset.view = view;
  };
  window.addEventListener('hashchange', show);
  show();
  document.body.dataset.ready = 'true';
}

void start();
