import { NablaError } from '@nabla/core';
import type { Logs } from './callback.js';

export type MonitorMode = 'auto' | 'min' | 'max';

/** Keras's rule: 'auto' maximizes accuracy-like quantities and minimizes everything else. */
export function improves(mode: MonitorMode, monitor: string): (current: number, best: number, minDelta: number) => boolean {
  const max = mode === 'max' || (mode === 'auto' && /acc|auc|precision|recall/.test(monitor));
  return max ? (c, b, d) => c - d > b : (c, b, d) => c + d < b;
}

export function checkMode(owner: string, mode: string): MonitorMode {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max')
    throw new NablaError(`${owner}: mode must be 'auto', 'min' or 'max', got '${mode}'`);
  return mode;
}

/** The monitored value, or an error naming what is there (a typo in `monitor` should not pass silently). */
export function monitored(owner: string, monitor: string, logs: Logs): number {
  const v = logs[monitor];
  if (v === undefined) {
    throw new NablaError(`${owner}: monitored quantity '${monitor}' is not in the logs; available: ${Object.keys(logs).join(', ')}`);
  }
  return v;
}
