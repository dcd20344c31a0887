/** How a page hands its outcome to the consumer test: one JSON object on window. */
export interface PageOutcome {
  ok: boolean;
  results?: unknown;
  error?: string;
}

declare global {
  interface Window {
    consumerOutcome?: PageOutcome;
  }
}

export function report(outcome: PageOutcome): void {
  window.consumerOutcome = outcome;
  const out = document.getElementById('out');
  if (out) out.textContent = JSON.stringify(outcome, null, 2);
}

export async function run(body: () => Promise<unknown>): Promise<void> {
  try {
    report({ ok: true, results: await body() });
  } catch (e) {
    report({ ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
}
