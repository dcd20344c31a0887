import type { WorkerClient } from '../client.js';
import type { BackendName, BackendStatus, EpochPoint, Reply, RunSummary, StepPoint, TaskId } from '../protocol.js';
import { TASK_INFO } from '../tasks.js';
import { colorOf, Lines } from '../ui/chart.js';
import { backendPicker, numberField, pickedBackends, readNumber, setNumber, taskSelect } from '../ui/controls.js';
import { clear, fmt, h } from '../ui/dom.js';

interface Run {
  backend: BackendName;
  steps: StepPoint[];
  epochs: EpochPoint[];
  summary?: RunSummary;
  error?: string;
}

/** The largest difference between two runs' per-step losses, absolute and relative to the reference's. */
function deviation(run: Run, reference: Run): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  const n = Math.min(run.steps.length, reference.steps.length);
  for (let i = 0; i < n; i++) {
    const d = Math.abs(run.steps[i].loss - reference.steps[i].loss);
    abs = Math.max(abs, d);
    rel = Math.max(rel, d / Math.max(Math.abs(reference.steps[i].loss), 1e-12));
  }
  return { abs, rel };
}

/**
 * Compare: the same task, from the same seed, on every backend picked, one after another in one
 * worker. The loss curves share a chart (they should lie on top of each other: the conformance
 * suite holds the backends to the same per-step losses), and a table gives each one's speed.
 */
export function compareView(client: WorkerClient, backends: BackendStatus[]): HTMLElement {
  let task: TaskId = 'seed';
  let runs: Run[] = [];
  let running = false;
  let stopped = false;

  const form = h('form', { class: 'controls', onsubmit: (e: Event) => e.preventDefault() });
  const about = h('p', { class: 'muted about' });
  const setTask = (t: TaskId) => {
    task = t;
    about.textContent = TASK_INFO[t].about;
    setNumber(form, 'epochs', TASK_INFO[t].defaults.epochs);
    setNumber(form, 'lr', TASK_INFO[t].defaults.learningRate);
    setNumber(form, 'batch', TASK_INFO[t].defaults.batchSize);
  };
  const runButton = h('button', { type: 'button', id: 'compare-run', class: 'primary', onclick: () => void run() }, 'Compare');
  const stopButton = h(
    'button',
    {
      type: 'button',
      id: 'compare-stop',
      disabled: true,
      onclick: () => {
        stopped = true;
        client.stop();
      },
    },
    'Stop',
  );
  form.append(
    backendPicker('checkbox', 'compare-backend', backends),
    taskSelect('task', task, setTask),
    about,
    h(
      'div',
      { class: 'row' },
      numberField('Epochs', 'epochs', 30, { min: 1, step: 1 }),
      numberField('Learning rate', 'lr', 0.05, { min: 0, step: 'any' }),
      numberField('Batch size', 'batch', 10, { min: 1, step: 1 }),
      numberField('Seed', 'seed', 7, { step: 1 }),
    ),
    h('div', { class: 'row buttons' }, runButton, stopButton),
  );
  setTask(task);

  const status = h('div', { class: 'status', id: 'compare-status', 'data-state': 'idle' }, 'Pick backends and press Compare.');
  const chartEl = h('div', { class: 'chart tall', id: 'compare-chart' });
  const chart = new Lines(chartEl, {
    title: 'Loss per step on each backend (the same seed: the curves should coincide)',
    xName: 'step',
    yName: 'loss',
    logY: true,
  });
  const table = h('div', { id: 'compare-table' });

  const redraw = () => {
    // Wider lines first: curves that coincide still show as nested bands, one colour per backend.
    chart.set(
      runs.map((r, i) => ({
        name: r.backend,
        data: r.steps.map((s) => [s.step, s.loss]),
        color: colorOf(i),
        width: 2 + 3 * (runs.length - 1 - i),
      })),
    );
    const reference = runs.find((r) => r.backend === 'cpu' && r.summary) ?? runs.find((r) => r.summary);
    clear(
      table,
      h(
        'table',
        { class: 'results' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              'backend',
              'steps',
              'first step (compiles), ms',
              'median ms/step',
              'samples/s',
              'final loss',
              `max |Δ loss| vs ${reference?.backend ?? '—'}`,
            ].map((c) => h('th', {}, c)),
          ),
        ),
        h(
          'tbody',
          {},
          ...runs.map((r) => {
            const d = reference && r !== reference && r.summary ? deviation(r, reference) : undefined;
            const cells = r.error
              ? [h('td', { colspan: 6, class: 'bad' }, r.error)]
              : [
                  h('td', {}, String(r.steps.length)),
                  h('td', {}, r.steps[0] ? fmt(r.steps[0].ms) : ''),
                  h('td', {}, r.summary ? fmt(r.summary.medianStepMs) : '…'),
                  h('td', {}, r.summary ? fmt(r.summary.samplesPerSecond) : '…'),
                  h('td', {}, r.steps.at(-1) ? fmt(r.steps.at(-1)?.loss as number, 6) : ''),
                  h('td', {}, d ? `${d.abs.toExponential(1)} (${d.rel.toExponential(1)} relative)` : r === reference ? 'reference' : ''),
                ];
            return h('tr', { 'data-backend': r.backend }, h('td', {}, h('code', {}, r.backend)), ...cells);
          }),
        ),
      ),
    );
  };

  async function run(): Promise<void> {
    if (running) return;
    const picked = pickedBackends(form, 'compare-backend');
    if (picked.length === 0) {
      status.dataset.state = 'error';
      status.textContent = 'Pick at least one backend.';
      return;
    }
    running = true;
    stopped = false;
    runButton.disabled = true;
    stopButton.disabled = false;
    runs = [];
    status.dataset.state = 'running';
    const base = {
      task,
      epochs: readNumber(form, 'epochs'),
      learningRate: readNumber(form, 'lr'),
      batchSize: readNumber(form, 'batch'),
      seed: readNumber(form, 'seed'),
    };
    for (const backend of picked) {
      if (stopped) break;
      const r: Run = { backend, steps: [], epochs: [] };
      runs.push(r);
      status.textContent = `Training ${TASK_INFO[task].label} on ${backend} (${runs.length} of ${picked.length})...`;
      const onProgress = (m: Reply) => {
        if (m.type === 'steps') r.steps.push(...m.points);
        else if (m.type === 'epoch') r.epochs.push(m.point);
        redraw();
      };
      try {
        const done = await client.ask<'done'>({ type: 'train', settings: { ...base, backend }, report: false }, onProgress);
        r.summary = done.summary;
      } catch (e) {
        r.error = (e as Error).message;
      }
      redraw();
    }
    status.dataset.state = stopped ? 'stopped' : 'done';
    status.textContent = stopped
      ? 'Stopped.'
      : `Done: ${runs.length} backends, the same seed, the same ${runs[0]?.steps.length ?? 0} steps each. The table's last column is how far each backend's losses strayed from the reference's.`;
    running = false;
    runButton.disabled = false;
    stopButton.disabled = true;
  }

  return h(
    'section',
    { class: 'view', id: 'view-compare' },
    h('div', { class: 'layout' }, form, h('div', { class: 'main' }, status, chartEl, table)),
  );
}
