import { describe, expect, test } from 'vitest';
import type { CaseResult } from './case.js';
import { toMarkdown, toText } from './report.js';
import { compare, TOLERANCES } from './tolerance.js';

describe('compare', () => {
  test('atol + rtol * |expected|, NaN matches NaN, infinities match themselves', () => {
    expect(compare([1.0001], [1], { rtol: 1e-4, atol: 0 }).pass).toBe(true);
    expect(compare([1.0002], [1], { rtol: 1e-4, atol: 0 }).pass).toBe(false);
    expect(compare([Number.NaN, Number.POSITIVE_INFINITY], [Number.NaN, Number.POSITIVE_INFINITY], TOLERANCES.exact).pass).toBe(true);
    const c = compare([Number.NaN], [1], TOLERANCES.float32);
    expect(c.pass).toBe(false);
    expect(c.maxError).toBe(Number.POSITIVE_INFINITY);
    expect(compare([1, 2], [1], TOLERANCES.exact).detail).toBe('2 values, expected 1');
    expect(compare([3, 5], [3, 4], TOLERANCES.exact).detail).toBe('at flat index 1: got 5, expected 4');
  });
});

describe('reports', () => {
  const results: CaseResult[] = [
    { id: 'forward add [2]', group: 'forward', status: 'pass', maxError: 0, tolerance: TOLERANCES.exact },
    {
      id: 'gradient add [2]',
      group: 'gradient',
      status: 'fail',
      maxError: 0.5,
      detail: 'd/d input 0 at flat index 1',
      tolerance: TOLERANCES.gradient,
    },
    { id: 'fd add [2]', group: 'fd-gradient', status: 'skip', detail: "backend 'x' has no float64", tolerance: TOLERANCES.float64Gradient },
  ];
  const report = { backend: 'x', results, summary: { pass: 1, fail: 1, skip: 1, total: 3 } };

  test('the matrix lists every case with its tolerance, status and error', () => {
    const md = toMarkdown([report], 'nabla conformance --backend x');
    expect(md).toContain('| forward add [2] | 0, 0 | pass (0) |');
    expect(md).toContain('| gradient add [2] | 0.0001, 0.00001 | **FAIL** (5.0e-1): d/d input 0 at flat index 1 |');
    expect(md).toContain("skip: backend 'x' has no float64");
    expect(md).toContain('| **all** | 1 pass, 1 fail, 1 skipped of 3 |');
  });

  test("a backend's notes come under the summary, before the tolerances", () => {
    const md = toMarkdown([report], 'nabla conformance --backend x', [
      { backend: 'x', title: 'ran elsewhere', lines: ['| op | graphs |'] },
    ]);
    const at = (s: string) => md.indexOf(s);
    expect(at('## x: ran elsewhere')).toBeGreaterThan(at('## Summary'));
    expect(at('| op | graphs |')).toBeGreaterThan(at('## x: ran elsewhere'));
    expect(at('## Tolerances')).toBeGreaterThan(at('| op | graphs |'));
  });

  test('the text summary names every failure and every skip reason', () => {
    const text = toText([report]);
    expect(text).toContain('x: 1 pass, 1 fail, 1 skipped of 3');
    expect(text).toContain('FAIL gradient add [2]: d/d input 0 at flat index 1');
    expect(text).toContain("skipped 1: backend 'x' has no float64");
  });
});
