import type { WorkerClient } from '../client.js';
import type { BackendStatus, DigitGrid, EpochPoint, Reply, RunSummary, StepPoint, TaskId, TrainSettings } from '../protocol.js';
import { TASK_INFO } from '../tasks.js';
import { Bars, Lines, type Series } from '../ui/chart.js';
import { backendPicker, numberField, pickedBackends, readNumber, setNumber, taskSelect } from '../ui/controls.js';
import { clear, download, fmt, h } from '../ui/dom.js';
import { DrawPad, digitGrid } from '../ui/draw-pad.js';

/** The last `n` steps' median time and throughput: what the stats line shows while training. */
function recent(steps: StepPoint[], n = 20): { ms: number; perSecond: number } {
  const last = steps.slice(Math.max(1, steps.length - n));
  if (last.length === 0) return { ms: Number.NaN, perSecond: Number.NaN };
  const ms = [...last.map((s) => s.ms)].sort((a, b) => a - b)[Math.floor(last.length / 2)];
  const total = last.reduce((a, s) => a + s.ms, 0);
  return { ms, perSecond: (last.reduce((a, s) => a + s.size, 0) * 1000) / total };
}

/**
 * Train: pick a backend and a task, set epochs and learning rate, press Train. Loss, accuracy
 * and time per step plot live; for MNIST, test digits with predictions and a pad to draw on.
 */
export function trainView(client: WorkerClient, backends: BackendStatus[]): HTMLElement {
  let task: TaskId = 'seed';
  let steps: StepPoint[] = [];
  let epochs: EpochPoint[] = [];
  let stepsPerEpoch = 1;
  let running = false;
  /** The worker holds a trained or loaded model (a stopped run keeps one too). */
  let hasModel = false;

  const form = h('form', { class: 'controls', onsubmit: (e: Event) => e.preventDefault() });
  const about = h('p', { class: 'muted about' });
  const status = h('div', { class: 'status', id: 'train-status', 'data-state': 'idle' }, 'Pick a task and press Train.');
  const stats = h('div', { class: 'stats', id: 'train-stats' });
  const notes = h('ul', { class: 'notes', id: 'train-notes' });
  const trainButton = h('button', { type: 'button', id: 'train', class: 'primary', onclick: () => void train() }, 'Train');
  const stopButton = h('button', { type: 'button', id: 'stop', disabled: true, onclick: () => client.stop() }, 'Stop');
  const modelButtons = {
    save: h('button', { type: 'button', id: 'save', disabled: true, onclick: () => void save() }, 'Save to browser'),
    load: h('button', { type: 'button', id: 'load', onclick: () => void load() }, 'Load from browser'),
    files: h('input', { type: 'file', id: 'load-files', multiple: true, accept: '.json,.bin', onchange: () => void loadFiles() }),
    download: h('button', { type: 'button', id: 'download', disabled: true, onclick: () => void downloadModel() }, 'Download model'),
    onnx: h('button', { type: 'button', id: 'export-onnx', disabled: true, onclick: () => void exportOnnx() }, 'Export ONNX'),
  };

  const setTask = (t: TaskId) => {
    task = t;
    const info = TASK_INFO[t];
    about.textContent = info.about;
    setNumber(form, 'epochs', info.defaults.epochs);
    setNumber(form, 'lr', info.defaults.learningRate);
    setNumber(form, 'batch', info.defaults.batchSize);
    accChart.hidden = !info.classification;
  };
  form.append(
    backendPicker('radio', 'train-backend', backends),
    taskSelect('task', task, setTask),
    about,
    h(
      'div',
      { class: 'row' },
      numberField('Epochs', 'epochs', 30, { min: 1, max: 1000, step: 1 }),
      numberField('Learning rate', 'lr', 0.05, { min: 0, step: 'any' }),
      numberField('Batch size', 'batch', 10, { min: 1, step: 1 }),
      numberField('Seed', 'seed', 7, { step: 1 }),
    ),
    h('div', { class: 'row buttons' }, trainButton, stopButton),
    h(
      'details',
      { class: 'model-io' },
      h('summary', {}, 'Model: save, load, export'),
      h(
        'div',
        { class: 'row buttons' },
        modelButtons.save,
        modelButtons.load,
        modelButtons.download,
        modelButtons.onnx,
        h('label', { class: 'file' }, 'Load files (.json + .weights.bin) ', modelButtons.files),
      ),
    ),
  );
  const lossChart = h('div', { class: 'chart', id: 'loss-chart' });
  const accChart = h('div', { class: 'chart', id: 'accuracy-chart' });
  const timeChart = h('div', { class: 'chart', id: 'time-chart' });
  const charts = h('div', { class: 'charts' }, lossChart, accChart, timeChart);
  const loss = new Lines(lossChart, { title: 'Loss', xName: 'step', yName: 'loss', logY: true });
  const accuracy = new Lines(accChart, { title: 'Accuracy', xName: 'step', yName: 'accuracy' });
  const time = new Lines(timeChart, { title: 'Time per step', xName: 'step', yName: 'ms' });
  setTask(task);

  const gridBox = h('div', { id: 'digit-grid' });
  const prediction = h('div', { class: 'prediction', id: 'prediction' }, 'Train an MNIST model, then draw a digit.');
  const bars = h('div', { class: 'chart small', id: 'probabilities' });
  const pad = new DrawPad((pixels) => void predict(pixels));
  const digits = h(
    'section',
    { class: 'digits', hidden: true },
    h('h3', {}, 'Test digits'),
    gridBox,
    h('h3', {}, 'Draw a digit'),
    h('div', { class: 'draw-row' }, pad.el, h('div', { class: 'draw-out' }, prediction, bars)),
  );
  const probabilities = new Bars(bars, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], 'Probabilities');

  const settings = (): TrainSettings => ({
    task,
    backend: pickedBackends(form, 'train-backend')[0],
    epochs: readNumber(form, 'epochs'),
    learningRate: readNumber(form, 'lr'),
    batchSize: readNumber(form, 'batch'),
    seed: readNumber(form, 'seed'),
  });

  const setState = (state: string, text: string) => {
    status.dataset.state = state;
    status.textContent = text;
  };

  const redraw = () => {
    const x = (e: EpochPoint) => e.epoch * stepsPerEpoch;
    const fromEpochs = (name: string, key: string): Series => ({
      name,
      data: epochs.filter((e) => key in e.logs).map((e) => [Math.min(x(e), steps.length), e.logs[key]]),
      symbols: true,
    });
    loss.set([
      { name: 'per step', data: steps.map((s) => [s.step, s.loss]), faint: true },
      fromEpochs('epoch mean', 'loss'),
      ...(epochs.some((e) => 'val_loss' in e.logs) ? [fromEpochs('held out', 'val_loss')] : []),
    ]);
    if (TASK_INFO[task].classification) {
      accuracy.set([
        { name: 'per step', data: steps.map((s) => [s.step, s.accuracy ?? Number.NaN]), faint: true },
        fromEpochs('epoch mean', 'accuracy'),
        ...(epochs.some((e) => 'val_accuracy' in e.logs) ? [fromEpochs('held out', 'val_accuracy')] : []),
      ]);
    }
    time.set([{ name: 'ms per step', data: steps.slice(1).map((s) => [s.step, s.ms]) }]);
    const last = steps.at(-1);
    if (!last) return;
    const r = recent(steps);
    status.dataset.steps = String(steps.length);
    status.dataset.firstLoss = String(steps[0].loss);
    status.dataset.lastLoss = String(last.loss);
    status.dataset.epochLosses = epochs.map((e) => e.logs.loss).join(',');
    clear(
      stats,
      h('span', {}, `epoch ${last.epoch}`),
      h('span', {}, `step ${last.step}`),
      h('span', {}, `loss ${fmt(last.loss)}`),
      last.accuracy === undefined ? null : h('span', {}, `accuracy ${fmt(last.accuracy)}`),
      h('span', {}, `${fmt(r.ms)} ms/step`),
      h('span', {}, `${fmt(r.perSecond)} samples/s`),
    );
  };

  const finish = (summary: RunSummary, grid?: DigitGrid) => {
    clear(notes, ...summary.notes.map((n) => h('li', {}, n)));
    notes.append(
      h(
        'li',
        {},
        `${summary.steps} steps in ${fmt(summary.seconds)} s: median ${fmt(summary.medianStepMs)} ms per step, ${fmt(summary.samplesPerSecond)} samples/s (the first step, which compiles, left out)`,
      ),
    );
    if (grid) showGrid(grid);
  };

  const showGrid = (grid: DigitGrid) => {
    digits.hidden = false;
    clear(gridBox, digitGrid(grid.pixels, grid.labels, grid.predictions));
  };

  const busy = (on: boolean) => {
    running = on;
    trainButton.disabled = on;
    stopButton.disabled = !on;
    for (const b of [modelButtons.save, modelButtons.download, modelButtons.onnx]) b.disabled = on || !hasModel;
    modelButtons.load.disabled = on;
  };

  async function train(): Promise<void> {
    if (running) return;
    const s = settings();
    if (!s.backend) return setState('error', 'No backend is available in this browser.');
    steps = [];
    epochs = [];
    clear(notes);
    clear(stats);
    digits.hidden = !TASK_INFO[task].digits;
    clear(gridBox);
    busy(true);
    setState('running', `Loading ${TASK_INFO[task].label} and starting ${s.backend}...`);
    redraw();
    const onProgress = (r: Reply) => {
      if (r.type === 'started') {
        stepsPerEpoch = r.stepsPerEpoch;
        setState(
          'running',
          `Training ${TASK_INFO[task].label} on ${r.backend}: ${r.trainSamples} samples, ${r.stepsPerEpoch} steps per epoch.`,
        );
      } else if (r.type === 'steps') {
        steps.push(...r.points);
        redraw();
      } else if (r.type === 'epoch') {
        epochs.push(r.point);
        redraw();
      }
    };
    try {
      hasModel = false;
      const done = await client.ask<'done'>({ type: 'train', settings: s }, onProgress);
      hasModel = true;
      redraw();
      finish(done.summary, done.grid);
      setState(
        done.summary.stopped ? 'stopped' : 'done',
        done.summary.stopped ? `Stopped after ${done.summary.steps} steps; the model keeps what it learned.` : `Trained on ${s.backend}.`,
      );
    } catch (e) {
      setState('error', (e as Error).message);
    } finally {
      busy(false);
    }
  }

  async function predict(pixels: Float32Array): Promise<void> {
    try {
      const r = await client.ask<'prediction'>({ type: 'predict', pixels });
      const p = r.probabilities;
      const best = p.indexOf(Math.max(...p));
      prediction.dataset.digit = String(best);
      clear(prediction, h('span', { class: 'big' }, String(best)), ` with probability ${fmt(p[best])}`);
      probabilities.set(p, best);
    } catch (e) {
      prediction.textContent = (e as Error).message;
    }
  }

  async function save(): Promise<void> {
    try {
      const r = await client.ask<'saved'>({ type: 'save' });
      setState('done', `Saved to ${r.where}.`);
    } catch (e) {
      setState('error', (e as Error).message);
    }
  }

  const afterLoad = (r: Extract<Reply, { type: 'loaded' }>) => {
    (form.querySelector('select[name="task"]') as HTMLSelectElement).value = r.task;
    task = r.task;
    about.textContent = TASK_INFO[r.task].about;
    clear(notes, ...r.notes.map((n) => h('li', {}, n)));
    digits.hidden = !TASK_INFO[r.task].digits;
    if (r.grid) showGrid(r.grid);
    hasModel = true;
    busy(false);
    setState('done', `Loaded the ${TASK_INFO[r.task].label} model onto ${r.backend}.`);
  };

  async function load(): Promise<void> {
    try {
      afterLoad(await client.ask<'loaded'>({ type: 'load', backend: settings().backend, task }));
    } catch (e) {
      setState('error', (e as Error).message);
    }
  }

  async function loadFiles(): Promise<void> {
    const files = [...(modelButtons.files.files ?? [])];
    if (files.length === 0) return;
    try {
      afterLoad(await client.ask<'loaded'>({ type: 'load', backend: settings().backend, files }));
    } catch (e) {
      setState('error', (e as Error).message);
    } finally {
      modelButtons.files.value = '';
    }
  }

  /** Saves to IndexedDB in the worker, then makes the two files from there on the page (downloads need a document). */
  async function downloadModel(): Promise<void> {
    try {
      const r = await client.ask<'saved'>({ type: 'save' });
      const { downloadSaved } = await import('../model-files.js');
      const names = await downloadSaved(r.where);
      setState('done', `Saved to ${r.where} and downloaded ${names.join(' and ')}.`);
    } catch (e) {
      setState('error', (e as Error).message);
    }
  }

  async function exportOnnx(): Promise<void> {
    try {
      const r = await client.ask<'onnx'>({ type: 'export-onnx' });
      download(r.bytes as Uint8Array<ArrayBuffer>, r.name);
      setState('done', `Exported ${r.name} (${fmt(r.bytes.byteLength / 1024)} KiB).`);
    } catch (e) {
      setState('error', (e as Error).message);
    }
  }

  return h(
    'section',
    { class: 'view', id: 'view-train' },
    h('div', { class: 'layout' }, form, h('div', { class: 'main' }, status, stats, charts, notes, digits)),
  );
}
