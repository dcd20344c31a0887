/**
 * The page's worker: it registers the backends, trains, predicts, saves and exports, and runs
 * the conformance suite, answering the page's requests (protocol.ts) with messages. One job
 * (training or the suite) runs at a time; 'stop' aborts it between steps or cases.
 */
import { buildCases } from '@nabla/conformance';
import * as nb from '@nabla/core';
import { loadModel, saveModel } from '@nabla/nn';
import { type Reply, type Request, TASKS, type TaskId } from '../protocol.js';
import { probeBackends } from './backends.js';
import { loadFixtures, runSuite } from './conformance.js';
import { TASK_BY_ID } from './tasks/index.js';
import type { AnyModel } from './tasks/task.js';
import { dataOf, disposeTrained, runTraining, type Trained, tensorsOf } from './train.js';

// The DOM's typings (a worker's and a page's postMessage differ only in the options' name).
const post = (r: Reply, transfer: Transferable[] = []) => self.postMessage(r, { transfer });

let job: { id: number; abort: AbortController } | undefined;
let trained: Trained | undefined;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function need(): Trained {
  if (!trained) throw new nb.NablaError('no model yet: train one, or load a saved one');
  return trained;
}

const storageName = (task: TaskId) => `playground-${task}`;

async function handle(req: Request): Promise<void> {
  switch (req.type) {
    case 'probe':
      return post({ type: 'probe', id: req.id, backends: await probeBackends() });
    case 'stop':
      job?.abort.abort(new Error('stopped from the page'));
      return;
    case 'train': {
      if (job) throw new nb.NablaError('a job is running: stop it first');
      job = { id: req.id, abort: new AbortController() };
      try {
        disposeTrained(trained);
        trained = undefined;
        const result = await runTraining(req.id, req.settings, job.abort.signal, post, { report: req.report });
        trained = result.trained;
        post({ type: 'done', id: req.id, backend: req.settings.backend, summary: result.summary, grid: result.grid });
      } finally {
        job = undefined;
      }
      return;
    }
    case 'predict': {
      const t = need();
      const shape = t.task.sampleShape;
      if (!shape) throw new nb.NablaError(`the ${t.task.id} task does not take drawn digits`);
      nb.setBackend(t.backend);
      const x = nb.tensor(req.pixels, [1, ...shape]);
      const y = t.model.predict(x) as nb.Tensor;
      const probabilities = Array.from(await y.data());
      nb.dispose([x, y]);
      return post({ type: 'prediction', id: req.id, probabilities });
    }
    case 'save': {
      const t = need();
      const where = `indexeddb://${storageName(t.task.id)}`;
      await saveModel(t.model, where);
      return post({ type: 'saved', id: req.id, where });
    }
    case 'load': {
      if (job) throw new nb.NablaError('a job is running: stop it first');
      const backend = req.backend;
      nb.setBackend(backend);
      const model = (await (req.files ? loadModel(req.files) : loadModel(`indexeddb://${storageName(req.task as TaskId)}`))) as AnyModel;
      const taskId = TASKS.find((k) => k === model.name);
      if (!taskId) {
        model.dispose();
        throw new nb.NablaError(`the model is named '${model.name}', not one of the playground's tasks (${TASKS.join(', ')})`);
      }
      const task = TASK_BY_ID[taskId];
      const host = await dataOf(task);
      disposeTrained(trained);
      trained = { task, backend, model, host, tensors: tensorsOf(host) };
      const notes = task.report ? await task.report(model, trained.tensors, host) : [];
      const grid = task.grid ? await task.grid(model, host) : undefined;
      return post({ type: 'loaded', id: req.id, task: taskId, backend, grid, notes });
    }
    case 'export-onnx': {
      const t = need();
      const { toOnnx } = await import('@nabla/backend-onnx/export');
      const bytes = await toOnnx(t.model);
      return post({ type: 'onnx', id: req.id, bytes, name: `${t.task.id}.onnx` }, [bytes.buffer]);
    }
    case 'groups': {
      const counts = new Map<string, number>();
      for (const c of buildCases(await loadFixtures())) counts.set(c.group, (counts.get(c.group) ?? 0) + 1);
      return post({ type: 'groups', id: req.id, groups: [...counts].map(([name, cases]) => ({ name, cases })) });
    }
    case 'conformance': {
      if (job) throw new nb.NablaError('a job is running: stop it first');
      job = { id: req.id, abort: new AbortController() };
      try {
        await runSuite(req.id, req.backends, req.groups, job.abort.signal, post);
      } finally {
        job = undefined;
      }
      return;
    }
  }
}

self.onmessage = (e: MessageEvent<Request>) => {
  const req = e.data;
  handle(req).catch((err) => post({ type: 'error', id: req.id, message: message(err) }));
};
