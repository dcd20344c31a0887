import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { open, type Session, shotsDir } from './serve.js';

/**
 * The playground end to end, in headless Chromium: the built page, served as a user gets it.
 * It trains on every backend the browser offers (cpu and onnx-wasm always; webgpu and
 * onnx-webgpu where Chromium has an adapter, SwiftShader's on a machine without a GPU), stops a
 * run mid-epoch, predicts a digit drawn with the mouse, saves, loads and exports the model,
 * compares the backends and runs the conformance suite on cpu. Screenshots go to
 * test-output/screenshots; with PLAYGROUND_SCREENSHOTS=dir, the README's go there too.
 */

let s: Session;
let page: Page;
let available: string[] = [];

beforeAll(async () => {
  s = await open();
  page = s.page;
  await page.goto(s.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  available = ((await page.getAttribute('body', 'data-backends')) ?? '').split(',').filter(Boolean);
});

afterAll(async () => {
  await s?.close();
});

/** The page's console so far, for a failure's message. */
const logs = () => `\npage console:\n${s.log.slice(-20).join('\n')}`;

async function shot(name: string): Promise<void> {
  const file = join(shotsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const readme = process.env.PLAYGROUND_SCREENSHOTS;
  if (readme) {
    mkdirSync(resolve(readme), { recursive: true });
    copyFileSync(file, join(resolve(readme), `${name}.png`));
  }
}

async function setNumber(view: string, name: string, value: number): Promise<void> {
  await page.fill(`${view} input[name="${name}"]`, String(value));
}

/** Waits for a status line to leave 'running', and returns its state. */
async function settled(id: string, timeout = 150_000): Promise<string> {
  await page.waitForFunction((sel) => document.querySelector<HTMLElement>(sel)?.dataset.state !== 'running', `#${id}`, { timeout });
  return (await page.getAttribute(`#${id}`, 'data-state')) ?? '';
}

async function train(backend: string, task: string, settings: Record<string, number>): Promise<string> {
  await page.goto(`${s.url}#train`);
  await page.check(`#view-train input[name="train-backend"][value="${backend}"]`);
  await page.selectOption('#view-train select[name="task"]', task);
  for (const [k, v] of Object.entries(settings)) await setNumber('#view-train', k, v);
  await page.click('#train');
  return settled('train-status');
}

const data = async (sel: string, key: string) => (await page.getAttribute(sel, `data-${key}`)) ?? '';

describe('the playground in headless Chromium', () => {
  test('lists the backends, cpu and onnx-wasm among them', async () => {
    expect(available, logs()).toContain('cpu');
    expect(available).toContain('onnx-wasm');
    // Unavailable ones are shown disabled, with the reason.
    for (const b of ['webgpu', 'onnx-webgpu', 'onnx-wasm', 'cpu']) {
      const disabled = await page.isDisabled(`#view-train input[name="train-backend"][value="${b}"]`);
      expect(disabled).toBe(!available.includes(b));
    }
  });

  test('trains the seed regression on every available backend: the loss falls and the charts draw', async () => {
    for (const backend of available) {
      const state = await train(backend, 'seed', { epochs: 5, lr: 0.05, batch: 10 });
      expect(state, `${backend}: ${await page.textContent('#train-status')}${logs()}`).toBe('done');
      expect(Number(await data('#train-status', 'steps'))).toBe(50);
      const epochLosses = (await data('#train-status', 'epoch-losses')).split(',').map(Number);
      expect(epochLosses).toHaveLength(5);
      expect(epochLosses[4], `${backend}: epoch losses ${epochLosses}`).toBeLessThan(epochLosses[0] / 3);
      // 50 steps, 5 epoch means: the points the chart holds, and the SVG it drew.
      expect(Number(await data('#loss-chart', 'points'))).toBe(55);
      expect(await page.locator('#loss-chart svg path').count()).toBeGreaterThan(10);
      expect(await page.textContent('#train-notes')).toMatch(/learned y = 2\.\d+ x/);
    }
  });

  test('Stop ends a run mid-epoch, and the page stays responsive meanwhile', async () => {
    await page.goto(`${s.url}#train`);
    await page.check('#view-train input[name="train-backend"][value="cpu"]');
    await page.selectOption('#view-train select[name="task"]', 'mnist-mlp');
    await setNumber('#view-train', 'epochs', 20);
    await page.click('#train');
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#train-status')?.dataset.steps ?? 0) >= 30, null, {
      timeout: 60_000,
    });
    // The page answers while the worker trains: a round trip through the event loop is quick.
    const ms = await page.evaluate(
      () => new Promise<number>((r) => requestAnimationFrame((t0) => requestAnimationFrame((t1) => r(t1 - t0)))),
    );
    expect(ms).toBeLessThan(500);
    await page.click('#stop');
    expect(await settled('train-status')).toBe('stopped');
    const steps = Number(await data('#train-status', 'steps'));
    expect(steps).toBeLessThan(125 * 20);
    await page.waitForTimeout(500);
    expect(Number(await data('#train-status', 'steps'))).toBe(steps);
    expect(await page.isEnabled('#save')).toBe(true);
  });

  test('trains the MNIST MLP, shows predicted test digits, and predicts a digit drawn with the mouse', async () => {
    const state = await train('cpu', 'mnist-mlp', { epochs: 2, lr: 0.001, batch: 64 });
    expect(state, `${await page.textContent('#train-status')}${logs()}`).toBe('done');
    const notes = (await page.textContent('#train-notes')) ?? '';
    const accuracy = Number(/test accuracy ([\d.]+)%/.exec(notes)?.[1]);
    expect(accuracy, notes).toBeGreaterThan(85);
    expect(await page.locator('#digit-grid .digit').count()).toBe(48);
    expect(Number(await data('#accuracy-chart', 'points'))).toBeGreaterThan(250);

    // A one: a vertical stroke down the middle of the pad.
    await page.locator('.pad').scrollIntoViewIfNeeded();
    const box = await page.locator('.pad').boundingBox();
    if (!box) throw new Error('no drawing pad');
    await page.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let k = 1; k <= 20; k++)
      await page.mouse.move(box.x + box.width * (0.52 - 0.04 * (k / 20)), box.y + box.height * (0.15 + 0.7 * (k / 20)));
    await page.mouse.up();
    await page.waitForSelector('#prediction[data-digit]', { timeout: 30_000 });
    expect(await data('#prediction', 'digit')).toBe('1');
    expect(await page.locator('#probabilities svg path').count()).toBeGreaterThan(5);
    await shot('train');
  });

  test('saves the model to IndexedDB, loads it back, and exports ONNX', async () => {
    await page.click('#view-train details.model-io summary');
    await page.click('#save');
    await page.waitForFunction(() =>
      /Saved to indexeddb:\/\/playground-mnist-mlp/.test(document.querySelector('#train-status')?.textContent ?? ''),
    );
    await page.click('#load');
    await page.waitForFunction(() => /Loaded the MNIST MLP model/.test(document.querySelector('#train-status')?.textContent ?? ''), null, {
      timeout: 30_000,
    });
    // The loaded model scores the held-out digits as the trained one did.
    expect(await page.textContent('#train-notes')).toMatch(/test accuracy (8[5-9]|9\d)\./);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-onnx')]);
    expect(download.suggestedFilename()).toBe('mnist-mlp.onnx');
    const bytes = readFileSync((await download.path()) as string);
    // A ModelProto: field 1 (ir_version) first, and the producer's name inside; 784x128 float weights.
    expect(bytes[0]).toBe(0x08);
    expect(bytes.includes(Buffer.from('nabla'))).toBe(true);
    expect(bytes.length).toBeGreaterThan(784 * 128 * 4);

    // Downloaded as nabla's two files, which load back through the file input.
    const files: string[] = [];
    const saved = new Promise<void>((done) => {
      page.on('download', async (d) => {
        const path = join(shotsDir, '..', d.suggestedFilename());
        await d.saveAs(path);
        files.push(path);
        if (files.length === 2) done();
      });
    });
    await page.click('#download');
    await saved;
    expect(files.map((f) => f.split('/').at(-1)).sort()).toEqual(['playground-mnist-mlp.json', 'playground-mnist-mlp.weights.bin']);
    await page.setInputFiles('#load-files', files);
    await page.waitForFunction(() => /Loaded the MNIST MLP model/.test(document.querySelector('#train-status')?.textContent ?? ''), null, {
      timeout: 30_000,
    });
    expect(await page.textContent('#train-notes')).toMatch(/test accuracy (8[5-9]|9\d)\./);
  });

  test('Compare trains the seed regression on every backend from one seed: the curves agree', async () => {
    await page.goto(`${s.url}#compare`);
    await page.selectOption('#view-compare select[name="task"]', 'seed');
    await setNumber('#view-compare', 'epochs', 5);
    await page.click('#compare-run');
    expect(await settled('compare-status'), `${await page.textContent('#compare-status')}${logs()}`).toBe('done');
    const rows = page.locator('#compare-table tbody tr');
    expect(await rows.count()).toBe(available.length);
    expect(Number(await data('#compare-chart', 'points'))).toBe(50 * available.length);
    // Each backend's largest per-step loss difference from cpu's, relative: well inside the
    // conformance suite's training tolerance (rtol 1e-4).
    for (const text of await page.locator('#compare-table td:last-child').allTextContents()) {
      if (text === 'reference') continue;
      const rel = Number(/\(([\d.e+-]+) relative\)/.exec(text)?.[1]);
      expect(rel, text).toBeLessThan(1e-4);
    }
    await shot('compare');
  });

  test('Conformance runs the whole suite on cpu with no failure and gives a summary to copy', async () => {
    await page.goto(`${s.url}#conformance`);
    await page.waitForSelector('#view-conformance input[name="group"]', { timeout: 60_000 });
    // The README's screenshot shows a second backend beside cpu (about a minute more).
    if (process.env.PLAYGROUND_SCREENSHOTS) await page.check('#view-conformance input[name="conformance-backend"][value="onnx-wasm"]');
    await page.click('#conformance-run');
    expect(await settled('conformance-status'), `${await page.textContent('#conformance-status')}${logs()}`).toBe('done');
    expect(await data('#conformance-status', 'fail')).toBe('0');
    expect(Number(await data('#conformance-status', 'total'))).toBeGreaterThan(2000);
    expect(await page.textContent('#conformance-verdict')).toBe('No failures.');
    const summary = await page.inputValue('#conformance-summary');
    expect(summary).toMatch(/^browser: .*Chrome/m);
    expect(summary).toMatch(/^WebGPU adapter: /m);
    expect(summary).toMatch(/^cpu: \d+ pass, 0 fail/m);
    expect(await page.locator('#conformance-matrix tbody tr').count()).toBeGreaterThan(10);
    await shot('conformance');
  });
});
