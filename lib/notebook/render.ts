/**
 * The headless-browser renderer: plotly figures to PNG with Debian's chromium driven by
 * playwright-core (one browser per process, closed when idle). Chart building is in figures.ts.
 */
import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { inTslab, tslabJupyter } from './display';

/** One plotly trace (`{type, name, x, y, mode, ...}`); passed to plotly as is. */
export type Trace = Record<string, unknown> & { name?: string; x?: ArrayLike<unknown>; y?: ArrayLike<unknown> };

/** A plotly figure. */
export interface Figure {
  data: Trace[];
  layout?: Record<string, unknown>;
}

export interface RenderOptions {
  /** PNG size in CSS pixels (default: layout.width/height, else 720 × 440). */
  width?: number;
  height?: number;
  /** Device pixel ratio of the PNG (default 1; 2 doubles resolution and file size). */
  scale?: number;
}

export const DEFAULT_WIDTH = 720;
export const DEFAULT_HEIGHT = 440;
const RENDER_TIMEOUT_MS = 60_000;
/** Flags for a headless chromium on a server (also used by test/browser.test.ts). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/**
 * The chromium used for PNGs: $DNI_CHROMIUM (a path; `none` disables PNGs), else Debian's
 * /usr/bin/chromium or another usual path; null when none is found.
 */
export function chromiumPath(): string | null {
  const env = process.env.DNI_CHROMIUM;
  if (env && ['none', 'off'].includes(env.toLowerCase())) return null;
  const candidates = [env, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  return null;
}

// One browser per process. Kept on globalThis so that reloading this module (rebuild()) reuses it.

interface Renderer {
  browser: Browser;
  page: Page;
  /** Timings in ms, for the curious: launch and plotly.js load. */
  launchMs: number;
  plotlyMs: number;
}

interface RendererState {
  renderer: Promise<Renderer | null> | null;
  warned: boolean;
  idleTimer: NodeJS.Timeout | null;
  exitHookInstalled: boolean;
}

const STATE_KEY = Symbol.for('dni.notebook.figures.state');
const state: RendererState = ((globalThis as Record<symbol, unknown>)[STATE_KEY] ??= {
  renderer: null,
  warned: false,
  idleTimer: null,
  exitHookInstalled: false,
}) as RendererState;

function warnOnce(message: string): void {
  if (state.warned) return;
  state.warned = true;
  console.warn(
    `figures: ${message}; showing the plotly JSON and a text summary only (no PNG). ` +
      `Readers without the plotly extension (GitHub, plain JupyterLab) will not see this figure. ` +
      `On Debian: bash environment/setup-debian.sh`,
  );
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function launchRenderer(): Promise<Renderer | null> {
  const exe = chromiumPath();
  if (exe === null) {
    const off = ['none', 'off'].includes((process.env.DNI_CHROMIUM ?? '').toLowerCase());
    warnOnce(off ? 'PNG rendering is off (DNI_CHROMIUM=none)' : 'no chromium found (set DNI_CHROMIUM or install /usr/bin/chromium)');
    return null;
  }
  let browser: Browser | undefined;
  try {
    const t0 = Date.now();
    // Loaded lazily: tables/cache users never pay for playwright.
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    browser = await chromium.launch({
      executablePath: exe,
      args: CHROMIUM_ARGS,
      timeout: RENDER_TIMEOUT_MS,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    const t1 = Date.now();
    const page = await browser.newPage();
    const plotlyJs = fs.readFileSync(require.resolve('plotly.js-dist-min'), 'utf8');
    await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
    await page.addScriptTag({ content: plotlyJs });
    const t2 = Date.now();
    installExitHook();
    return { browser, page, launchMs: t1 - t0, plotlyMs: t2 - t1 };
  } catch (e) {
    if (browser) await browser.close().catch(() => undefined);
    warnOnce(`could not start chromium at ${exe} (${(e as Error).message.split('\n')[0]})`);
    return null;
  }
}

function installExitHook(): void {
  if (state.exitHookInstalled) return;
  state.exitHookInstalled = true;
  // playwright kills the browser in its own process 'exit' handler. Its signal handlers are off
  // (see chromium.launch above): its SIGINT handler would exit the kernel on a Jupyter interrupt.
  // Make SIGTERM/SIGHUP exit as they would by default, so that the 'exit' handler runs.
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    if (process.listenerCount(signal) === 0) process.once(signal, () => process.exit(code));
  }
  // On a shutdown request tslab closes its sockets and waits for node's event loop to drain,
  // which the browser's pipes prevent (Jupyter then kills the kernel after a few seconds).
  // Close the browser when tslab closes its server.
  const server = (tslabJupyter()?.ZmqServer as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  const close = server?.close;
  if (server && typeof close === 'function' && !server.dniClosesFigures) {
    server.close = function (this: unknown, ...args: unknown[]) {
      void closeFigures();
      return (close as (...a: unknown[]) => unknown).apply(this, args);
    };
    server.dniClosesFigures = true;
  }
}

/** The process's renderer (launched on first use), or null when chromium is unavailable. */
async function renderer(retry = true): Promise<Renderer | null> {
  if (state.renderer === null)
    state.renderer = withTimeout(launchRenderer(), RENDER_TIMEOUT_MS, 'chromium launch').catch((e) => {
      warnOnce((e as Error).message);
      return null;
    });
  const r = await state.renderer;
  if (r !== null && !r.browser.isConnected()) {
    state.renderer = null; // the browser crashed or was closed: launch a new one (once)
    return retry ? renderer(false) : null;
  }
  return r;
}

/**
 * Outside a kernel (scripts, tests) the browser would keep node alive: close it when idle.
 * Inside a kernel it lives until the kernel exits.
 */
function scheduleIdleClose(): void {
  if (inTslab()) return;
  if (state.idleTimer) clearTimeout(state.idleTimer);
  state.idleTimer = setTimeout(() => void closeFigures(), 1000);
}

/** Closes the browser, if any (tests and scripts; the kernel closes it on exit). */
export async function closeFigures(): Promise<void> {
  if (state.idleTimer) clearTimeout(state.idleTimer);
  state.idleTimer = null;
  const pending = state.renderer;
  state.renderer = null;
  const r = await pending?.catch(() => null);
  if (r) await r.browser.close().catch(() => undefined);
}

/** Time to launch chromium and load plotly.js in this process (ms), or null if not launched. */
export async function rendererTimings(): Promise<{ launchMs: number; plotlyMs: number } | null> {
  const r = await state.renderer?.catch(() => null);
  return r ? { launchMs: r.launchMs, plotlyMs: r.plotlyMs } : null;
}

// ---------------------------------------------------------------------------------------------

/**
 * Plain JSON for plotly: typed arrays become arrays, non-finite numbers null, and non-integers
 * are rounded to 6 significant digits (keeps committed notebooks small and diffs quiet).
 */
export function plain(value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    return Number.isInteger(value) ? value : Number(value.toPrecision(6));
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>, plain);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v);
    return out;
  }
  return value;
}

/** Renders `fig` to PNG (base64), or null when no browser is available or rendering fails. */
export async function renderPng(fig: Figure, opts: RenderOptions = {}): Promise<string | null> {
  const r = await renderer();
  if (r === null) return null;
  const layout = fig.layout ?? {};
  const width = opts.width ?? (typeof layout.width === 'number' ? layout.width : DEFAULT_WIDTH);
  const height = opts.height ?? (typeof layout.height === 'number' ? layout.height : DEFAULT_HEIGHT);
  const scale = opts.scale ?? 1;
  try {
    const url = await withTimeout(
      r.page.evaluate(
        async ({ fig, width, height, scale }) => {
          const Plotly = (globalThis as unknown as { Plotly: { toImage: (f: unknown, o: unknown) => Promise<string> } }).Plotly;
          return Plotly.toImage(fig, { format: 'png', width, height, scale });
        },
        { fig: plain(fig), width, height, scale },
      ),
      RENDER_TIMEOUT_MS,
      'Plotly.toImage',
    );
    const prefix = 'data:image/png;base64,';
    if (!url.startsWith(prefix)) throw new Error('Plotly.toImage did not return a PNG data URL');
    return url.slice(prefix.length);
  } catch (e) {
    console.warn(`figures: PNG rendering failed (${(e as Error).message.split('\n')[0]}); figure shown without PNG`);
    return null;
  } finally {
    scheduleIdleClose();
  }
}
