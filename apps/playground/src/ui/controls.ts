import type { BackendName, BackendStatus, TaskId } from '../protocol.js';
import { TASK_INFO } from '../tasks.js';
import { h } from './dom.js';

/** A labelled number input. */
export function numberField(label: string, name: string, value: number, attrs: Record<string, string | number> = {}): HTMLLabelElement {
  return h('label', { class: 'field' }, h('span', {}, label), h('input', { type: 'number', name, value, ...attrs }));
}

export function readNumber(root: HTMLElement, name: string): number {
  return Number((root.querySelector(`input[name="${name}"]`) as HTMLInputElement).value);
}

export function setNumber(root: HTMLElement, name: string, value: number): void {
  (root.querySelector(`input[name="${name}"]`) as HTMLInputElement).value = String(value);
}

/** A select of the tasks. */
export function taskSelect(name: string, value: TaskId, onChange: (t: TaskId) => void): HTMLLabelElement {
  const select = h(
    'select',
    { name, onchange: (e: Event) => onChange((e.target as HTMLSelectElement).value as TaskId) },
    ...Object.values(TASK_INFO).map((t) => h('option', { value: t.id, selected: t.id === value }, t.label)),
  );
  return h('label', { class: 'field' }, h('span', {}, 'Task'), select);
}

/**
 * The backends as radio buttons (one to pick) or checkboxes (several), unavailable ones
 * disabled with the reason beside them.
 */
export function backendPicker(kind: 'radio' | 'checkbox', name: string, statuses: BackendStatus[]): HTMLFieldSetElement {
  const firstAvailable = statuses.find((s) => s.available)?.name;
  return h(
    'fieldset',
    { class: 'backends' },
    h('legend', {}, kind === 'radio' ? 'Backend' : 'Backends'),
    ...statuses.map((s) =>
      h(
        'label',
        { class: s.available ? 'backend' : 'backend unavailable', 'data-backend': s.name },
        h('input', {
          type: kind,
          name,
          value: s.name,
          disabled: !s.available,
          checked: kind === 'radio' ? s.name === firstAvailable : s.available,
        }),
        h('code', {}, s.name),
        s.reason ? h('small', {}, s.available ? ` ${s.reason}` : ` unavailable: ${s.reason}`) : null,
      ),
    ),
  );
}

export function pickedBackends(root: HTMLElement, name: string): BackendName[] {
  return [...root.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((i) => i.value as BackendName);
}
