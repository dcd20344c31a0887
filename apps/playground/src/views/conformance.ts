import type { WorkerClient } from '../client.js';
import { describeEnvironment } from '../environment.js';
import type { BackendStatus, ConformanceReport, Reply } from '../protocol.js';
import { backendPicker, pickedBackends } from '../ui/controls.js';
import { clear, download, fmt, h } from '../ui/dom.js';

/** The report a user pastes into a bug: browser, adapter, counts per backend, every failure's id and reason. */
export function bugReport(
  env: Awaited<ReturnType<typeof describeEnvironment>>,
  reports: ConformanceReport[],
  groups: string[] | null,
): string {
  const lines = [
    'nabla conformance suite, run in the browser (nabla playground)',
    `browser: ${env.userAgent}`,
    `WebGPU adapter: ${env.adapter}`,
    `hardware threads: ${env.hardwareThreads}; cross-origin isolated: ${env.crossOriginIsolated ? 'yes' : 'no'}`,
    `groups: ${groups ? groups.join(', ') : 'all'}`,
  ];
  for (const r of reports) {
    const s = r.summary;
    lines.push(`${r.backend}: ${s.pass} pass, ${s.fail} fail, ${s.skip} skipped of ${s.total} (${fmt(r.seconds)} s)`);
    for (const c of r.results.filter((x) => x.status === 'fail')) lines.push(`  FAIL ${c.id}: ${c.detail ?? ''}`);
    const skips = new Map<string, number>();
    for (const c of r.results.filter((x) => x.status === 'skip')) skips.set(c.detail ?? '', (skips.get(c.detail ?? '') ?? 0) + 1);
    for (const [why, n] of skips) lines.push(`  skipped ${n}: ${why}`);
  }
  return lines.join('\n');
}

/**
 * Conformance: nabla's conformance suite (the same cases CI runs in Node and headless Chromium)
 * on this browser's backends, with the matrix of groups by backend, every failure, and a
 * summary to copy into a bug report.
 */
export function conformanceView(client: WorkerClient, backends: BackendStatus[]): HTMLElement {
  let running = false;
  let stopped = false;
  let markdown = '';
  const form = h('form', { class: 'controls', onsubmit: (e: Event) => e.preventDefault() });
  const groupsBox = h('fieldset', { class: 'groups' }, h('legend', {}, 'Groups'), h('p', { class: 'muted' }, 'Loading the cases...'));
  const runButton = h('button', { type: 'button', id: 'conformance-run', class: 'primary', onclick: () => void run() }, 'Run the suite');
  const stopButton = h(
    'button',
    {
      type: 'button',
      id: 'conformance-stop',
      disabled: true,
      onclick: () => {
        stopped = true;
        client.stop();
      },
    },
    'Stop',
  );
  const picker = backendPicker('checkbox', 'conformance-backend', backends);
  // webgpu and onnx-webgpu on a software adapter take minutes: cpu alone is the quick default.
  for (const input of picker.querySelectorAll<HTMLInputElement>('input')) input.checked = input.value === 'cpu';
  form.append(
    picker,
    groupsBox,
    h(
      'p',
      { class: 'muted' },
      'cpu runs the whole suite in seconds; each ONNX backend creates a session per case, and WebGPU on a software adapter is slow.',
    ),
    h('div', { class: 'row buttons' }, runButton, stopButton),
  );

  const status = h('div', { class: 'status', id: 'conformance-status', 'data-state': 'idle' }, 'Pick backends and press Run.');
  const progress = h('progress', { id: 'conformance-progress', max: 1, value: 0 });
  const matrix = h('div', { id: 'conformance-matrix' });
  const failures = h('div', { id: 'conformance-failures' });
  const summary = h('textarea', { id: 'conformance-summary', readonly: true, rows: 10, spellcheck: false });
  const copy = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        summary.select();
        await navigator.clipboard?.writeText(summary.value).catch(() => document.execCommand('copy'));
      },
    },
    'Copy summary',
  );
  const saveMd = h(
    'button',
    { type: 'button', onclick: () => download(markdown, 'conformance.md', 'text/markdown') },
    'Download matrix (Markdown)',
  );
  const report = h(
    'section',
    { class: 'report', hidden: true },
    h('h3', {}, 'For a bug report'),
    summary,
    h('div', { class: 'row buttons' }, copy, saveMd),
  );

  void client
    .ask<'groups'>({ type: 'groups' })
    .then((r) => {
      clear(
        groupsBox,
        h('legend', {}, 'Groups'),
        ...r.groups.map((g) =>
          h(
            'label',
            { class: 'group' },
            h('input', { type: 'checkbox', name: 'group', value: g.name, checked: true }),
            ` ${g.name} `,
            h('small', {}, `(${g.cases})`),
          ),
        ),
      );
    })
    .catch((e) => clear(groupsBox, h('legend', {}, 'Groups'), h('p', { class: 'bad' }, (e as Error).message)));

  const showMatrix = (reports: ConformanceReport[]) => {
    const groups = [...new Set(reports.flatMap((r) => r.results.map((c) => c.group)))];
    const cell = (r: ConformanceReport, g: string | null) => {
      const rs = g === null ? r.results : r.results.filter((c) => c.group === g);
      const n = (s: string) => rs.filter((c) => c.status === s).length;
      const cls = n('fail') ? 'bad' : n('skip') === rs.length ? 'muted' : 'good';
      return h(
        'td',
        { class: cls },
        `${n('pass')} pass`,
        n('fail') ? `, ${n('fail')} fail` : '',
        n('skip') ? `, ${n('skip')} skipped` : '',
      );
    };
    clear(
      matrix,
      h(
        'table',
        { class: 'results' },
        h('thead', {}, h('tr', {}, h('th', {}, 'group'), ...reports.map((r) => h('th', {}, h('code', {}, r.backend))))),
        h(
          'tbody',
          {},
          ...groups.map((g) => h('tr', {}, h('td', {}, g), ...reports.map((r) => cell(r, g)))),
          h('tr', { class: 'total' }, h('td', {}, 'all'), ...reports.map((r) => cell(r, null))),
          h('tr', {}, h('td', {}, 'seconds'), ...reports.map((r) => h('td', {}, fmt(r.seconds)))),
        ),
      ),
    );
    const failed = reports.flatMap((r) => r.results.filter((c) => c.status === 'fail').map((c) => ({ backend: r.backend, ...c })));
    clear(
      failures,
      failed.length === 0
        ? h('p', { class: 'good', id: 'conformance-verdict' }, 'No failures.')
        : h(
            'table',
            { class: 'results' },
            h('thead', {}, h('tr', {}, h('th', {}, 'backend'), h('th', {}, 'case'), h('th', {}, 'why'))),
            h(
              'tbody',
              {},
              ...failed.map((f) => h('tr', {}, h('td', {}, f.backend), h('td', {}, h('code', {}, f.id)), h('td', {}, f.detail ?? ''))),
            ),
          ),
    );
  };

  async function run(): Promise<void> {
    if (running) return;
    const picked = pickedBackends(form, 'conformance-backend');
    const allGroups = [...form.querySelectorAll<HTMLInputElement>('input[name="group"]')];
    const chosen = allGroups.filter((i) => i.checked).map((i) => i.value);
    const groups = chosen.length === allGroups.length ? null : chosen;
    if (picked.length === 0 || chosen.length === 0) {
      status.dataset.state = 'error';
      status.textContent = 'Pick at least one backend and one group.';
      return;
    }
    running = true;
    stopped = false;
    runButton.disabled = true;
    stopButton.disabled = false;
    status.dataset.state = 'running';
    status.textContent = 'Loading the reference values (5 MB)...';
    const t0 = performance.now();
    const onProgress = (r: Reply) => {
      if (r.type !== 'conformance-progress') return;
      progress.max = r.total;
      progress.value = r.done;
      status.textContent = `${r.backend}: ${r.done} of ${r.total} cases, ${r.pass} pass, ${r.fail} fail, ${r.skip} skipped`;
    };
    try {
      const [done, env] = await Promise.all([
        client.ask<'conformance-done'>({ type: 'conformance', backends: picked, groups }, onProgress),
        describeEnvironment(),
      ]);
      markdown = done.markdown;
      showMatrix(done.reports);
      summary.value = bugReport(env, done.reports, groups);
      report.hidden = false;
      const fails = done.reports.reduce((n, r) => n + r.summary.fail, 0);
      const total = done.reports.reduce((n, r) => n + r.summary.total, 0);
      status.dataset.state = stopped ? 'stopped' : 'done';
      status.dataset.fail = String(fails);
      status.dataset.total = String(total);
      status.textContent = `${stopped ? 'Stopped' : 'Done'}: ${total} cases on ${done.reports.map((r) => r.backend).join(', ')}, ${fails} failed, in ${fmt((performance.now() - t0) / 1000)} s.`;
    } catch (e) {
      status.dataset.state = 'error';
      status.textContent = (e as Error).message;
    } finally {
      running = false;
      runButton.disabled = false;
      stopButton.disabled = true;
    }
  }

  return h(
    'section',
    { class: 'view', id: 'view-conformance' },
    h('div', { class: 'layout' }, form, h('div', { class: 'main' }, status, progress, matrix, failures, report)),
  );
}
