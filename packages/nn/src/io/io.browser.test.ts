import '@nabla/backend-cpu';
import * as nb from '@nabla/core';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Dense, loadModel, loadWeights, type Model, removeModel, Sequential } from '../index.js';

/** Saving and loading in a browser (headless Chromium): IndexedDB, downloads, File objects, URLs. */

function model() {
  const m = new Sequential([new Dense(5, { inputShape: [3], activation: 'relu' }), new Dense(2)]);
  m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  return m;
}

async function values(m: Model): Promise<number[][]> {
  return Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));
}

/** Reads or rewrites the stored record directly, as another tab or a damaged disk would. */
async function withRecord(name: string, change: (r: { modelJson: string; weights: ArrayBuffer }) => void): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open('nabla-models');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction('models', 'readwrite');
    const store = tx.objectStore('models');
    const get = store.get(name);
    get.onsuccess = () => {
      change(get.result);
      store.put(get.result, name);
    };
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('indexeddb://', () => {
  test('save and load give the same model; overwrite: false refuses to replace it', async () => {
    const a = model();
    await a.fit(nb.randomNormal([8, 3], { seed: 1 }), nb.randomNormal([8, 2], { seed: 2 }), { epochs: 2, verbose: 0 });
    await a.save('indexeddb://round-trip');
    const loaded = await loadModel('indexeddb://round-trip');
    expect(await values(loaded)).toEqual(await values(a));
    expect(loaded.compiled?.loss.name).toBe('meanSquaredError');
    // The optimizer's state travels in the same record: one more epoch on each gives the same weights.
    expect(loaded.compiled?.iterations).toBe(2);
    const saved = await values(a);
    const [x, y] = [nb.randomNormal([8, 3], { seed: 3 }), nb.randomNormal([8, 2], { seed: 4 })];
    await a.fit(x, y, { epochs: 1, verbose: 0 });
    await loaded.fit(x, y, { epochs: 1, verbose: 0 });
    expect(await values(loaded)).toEqual(await values(a));

    const b = model();
    b.predict(nb.zeros([1, 3]));
    await expect(b.save('indexeddb://round-trip', { overwrite: false })).rejects.toThrow(
      'save: indexeddb://round-trip already holds a model, and overwrite is false',
    );
    expect(await values(await loadModel('indexeddb://round-trip'))).toEqual(saved);
    await b.save('indexeddb://round-trip');
    expect(await values(await loadModel('indexeddb://round-trip'))).toEqual(await values(b));

    await removeModel('indexeddb://round-trip');
    await expect(loadModel('indexeddb://round-trip')).rejects.toThrow("load: there is no model named 'round-trip' in IndexedDB");
    await expect(removeModel('./folder')).rejects.toThrow(
      "removeModel: removes models saved in IndexedDB ('indexeddb://name'), got './folder'",
    );
  });

  test('a changed byte in the stored weights is a checksum error; a changed dtype is named', async () => {
    const a = model();
    a.predict(nb.zeros([1, 3]));
    await a.save('indexeddb://damaged');
    await withRecord('damaged', (r) => {
      new Uint8Array(r.weights)[5] ^= 0x10;
    });
    await expect(loadModel('indexeddb://damaged')).rejects.toThrow(
      /load: indexeddb:\/\/damaged weights is damaged: its CRC-32 is [0-9a-f]{8}, model\.json recorded [0-9a-f]{8}/,
    );
    await a.save('indexeddb://damaged');
    await withRecord('damaged', (r) => {
      const json = JSON.parse(r.modelJson);
      json.weights[1].dtype = 'int32';
      r.modelJson = JSON.stringify(json);
    });
    await expect(loadWeights(a, 'indexeddb://damaged')).rejects.toThrow(
      /weight dense_\d+\/bias is int32 in the file, but float32 in the model/,
    );
  });

  test('names are checked', async () => {
    const a = model();
    a.predict(nb.zeros([1, 3]));
    await expect(a.save('indexeddb://')).rejects.toThrow(/save: 'indexeddb:\/\/' needs a model name/);
    await expect(a.save('indexeddb://../x')).rejects.toThrow(/needs a model name/);
  });
});

describe('downloads, File objects and URLs', () => {
  test('downloads://name gives name.json and name.weights.bin, which load back as File objects', async () => {
    const clicks: { download: string; href: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push({ download: this.download, href: this.href });
    });
    const a = model();
    a.predict(nb.zeros([1, 3]));
    await a.save('downloads://my-model');
    expect(clicks.map((c) => c.download)).toEqual(['my-model.json', 'my-model.weights.bin']);
    const files = await Promise.all(clicks.map(async (c) => new File([await (await fetch(c.href)).blob()], c.download)));
    expect(JSON.parse(await files[0].text()).weightsFile.path).toBe('my-model.weights.bin');
    expect(await values(await loadModel(files))).toEqual(await values(a));
    // The FileList of an <input type="file" multiple>.
    const list = new DataTransfer();
    for (const f of files) list.items.add(f);
    expect(await values(await loadModel(list.files))).toEqual(await values(a));

    const bytes = new Uint8Array(await files[1].arrayBuffer());
    bytes[0] ^= 1;
    await expect(loadModel([files[0], new File([bytes], 'my-model.weights.bin')])).rejects.toThrow(/my-model\.weights\.bin is damaged/);
  });

  test('a URL of model.json loads it and the weights file beside it, with the same checks', async () => {
    const clicks: { download: string; href: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push({ download: this.download, href: this.href });
    });
    const a = model();
    a.predict(nb.zeros([1, 3]));
    await a.save('downloads://served');
    const served = new Map<string, Blob>();
    for (const c of clicks) served.set(`https://models.example/v1/${c.download}`, await (await fetch(c.href)).blob());
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      const url = String(input);
      const blob = served.get(url);
      return blob ? new Response(blob) : url.startsWith('https://models.example/') ? new Response(null, { status: 404 }) : realFetch(input);
    });
    expect(await values(await loadModel('https://models.example/v1/served.json'))).toEqual(await values(a));
    await expect(loadModel('https://models.example/v1/other.json')).rejects.toThrow(
      'load: cannot fetch https://models.example/v1/other.json: HTTP 404',
    );
  });

  test('a folder path needs Node', async () => {
    const a = model();
    a.predict(nb.zeros([1, 3]));
    await expect(a.save('./my-model')).rejects.toThrow(/save: a folder path needs Node\.js; in a browser use 'indexeddb:\/\/name'/);
  });
});
