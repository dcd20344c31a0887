import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright';
import { build, type PreviewServer, preview } from 'vite';
import { chromiumLaunchOptions } from '../../../scripts/chromium.mjs';

export const root = fileURLToPath(new URL('..', import.meta.url));
/** Where the tests build the page: not dist/, which `pnpm playground` and `vite build` own. */
const outDir = fileURLToPath(new URL('../test-output/dist', import.meta.url));
/** Every run's screenshots land here. */
export const shotsDir = fileURLToPath(new URL('../test-output/screenshots', import.meta.url));

export interface Session {
  url: string;
  browser: Browser;
  page: Page;
  /** What the page printed to its console or threw, for a failing test's message. */
  log: string[];
  close(): Promise<void>;
}

/** Builds the page (vite build), serves the build on a free port (vite preview) and opens it in Debian's Chromium. */
export async function open(): Promise<Session> {
  await build({ root, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const server: PreviewServer = await preview({
    root,
    logLevel: 'error',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview gave no URL');
  const browser = await chromium.launch({ ...chromiumLaunchOptions, headless: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  const log: string[] = [];
  page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  mkdirSync(shotsDir, { recursive: true });
  return {
    url,
    browser,
    page,
    log,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
