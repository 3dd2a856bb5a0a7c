/**
 * End to end, as a reader uses the notebooks: Debian's classic Jupyter Notebook server serves a
 * copy of notebook 01 at DNI_SCALE=smoke; headless Chromium opens it, a config field is edited
 * in the editor, Run All, and the page is checked for figures, a table and no errors. Then the
 * kernel and the server are shut down and no process they started may be left.
 *
 *   npx mocha test/browser.test.ts
 *
 * Skips (saying why) where chromium or jupyter-notebook is missing: `bash
 * environment/setup-debian.sh` installs both.
 */
import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../lib/notebook/render';

const ROOT = path.resolve(__dirname, '..');
const NOTEBOOK = '01-unified-view-bp-lambda.ipynb';
const SETUP = 'bash environment/setup-debian.sh';
/** The config edit: smoke runs 40 steps; the page must then show 60. */
const EDIT_AFTER = "'trainer.synthesizer.targetUnits'";
const EDIT_LINE = "'run.steps': 60,";
const STEPS = 60;

// The page's globals, typed just enough for the functions below (tsconfig has no DOM lib).
interface PageElement {
  innerText: string;
  className: string;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  querySelector(selector: string): PageElement | null;
}
interface NotebookCell {
  cell_type: string;
  input_prompt_number?: number | string | null;
  get_text(): string;
}
declare const document: PageElement;
declare const Jupyter: {
  notebook?: {
    get_cells(): NotebookCell[];
    kernel: { name: string; is_connected(): boolean } | null;
  };
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A deadline to race against: unref'd, so it does not keep mocha alive once the race is won. */
const deadline = (ms: number) => new Promise<false>((r) => setTimeout(() => r(false), ms).unref());

/** Processes whose environment carries `tag`: the server, its kernels and what they started. */
function taggedProcesses(tag: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`DNI_E2E_TAG=${tag}`)) continue;
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({ pid: Number(entry), cmd: cmd || '(zombie)' });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

describe('notebook 01 in the classic Jupyter Notebook, in headless Chromium', function () {
  this.timeout(10 * 60_000);

  const tag = randomBytes(8).toString('hex');
  const token = randomBytes(16).toString('hex');
  let tmp = '';
  let server: ChildProcess | null = null;
  let serverLog = '';
  let serverExit: Promise<void> = Promise.resolve();
  let base = '';
  let browser: Browser | null = null;
  let page: Page | null = null;
  const pageErrors: string[] = [];

  const api = (p: string, init?: RequestInit) => fetch(`${base}${p}${p.includes('?') ? '&' : '?'}token=${token}`, init);
  const logTail = (n = 60) =>
    serverLog
      .split('\n')
      .slice(-n)
      .map((l) => `      | ${l}`)
      .join('\n');

  before(async function () {
    const chromium = chromiumPath();
    const hasNotebook = spawnSync('jupyter-notebook', ['--version'], { encoding: 'utf8' }).status === 0;
    const off = ['none', 'off'].includes((process.env.DNI_CHROMIUM ?? '').toLowerCase());
    const missing = [
      chromium === null ? (off ? `chromium (off: DNI_CHROMIUM=${process.env.DNI_CHROMIUM})` : 'chromium') : '',
      hasNotebook ? '' : 'jupyter-notebook (the classic notebook server)',
    ].filter(Boolean);
    if (missing.length) {
      console.log(`      skipped: no ${missing.join(' and no ')}; ${SETUP} (as root) installs chromium and jupyter-notebook`);
      this.skip();
    }

    // Notebooks import ../dist/: build it, as `npm run notebooks` does.
    const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(built.status, 0, `npm run build failed:\n${built.stdout}${built.stderr}`);

    // A site with the repository's layout (notebooks/, dist/, node_modules/) in a temporary
    // folder: the notebook's relative imports resolve, and the repository is never written.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dni-e2e-'));
    const site = path.join(tmp, 'site');
    fs.mkdirSync(path.join(site, 'notebooks'), { recursive: true });
    for (const d of ['dist', 'node_modules']) fs.symlinkSync(path.join(ROOT, d), path.join(site, d));
    // Outputs cleared, so that every output checked below comes from this run.
    const nb = JSON.parse(fs.readFileSync(path.join(ROOT, 'notebooks', NOTEBOOK), 'utf8'));
    for (const c of nb.cells) if (c.cell_type === 'code') Object.assign(c, { outputs: [], execution_count: null });
    fs.writeFileSync(path.join(site, 'notebooks', NOTEBOOK), JSON.stringify(nb, null, 1));

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const jupyterDir = (d: string) => {
      const dir = path.join(tmp, 'jupyter', d);
      fs.mkdirSync(dir, { recursive: true });
      return dir;
    };
    const env = {
      ...process.env,
      // The project's tslab kernelspec; Jupyter's own config, data and runtime files in tmp.
      JUPYTER_PATH: [path.join(ROOT, 'environment'), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
      JUPYTER_CONFIG_DIR: jupyterDir('config'),
      JUPYTER_DATA_DIR: jupyterDir('data'),
      JUPYTER_RUNTIME_DIR: jupyterDir('runtime'),
      DNI_SCALE: 'smoke',
      // A fresh results cache: every run is computed, and the repository's results/ is untouched.
      DNI_RESULTS_DIR: path.join(tmp, 'results'),
      DNI_E2E_TAG: tag,
    };
    const args = [
      '--no-browser',
      '--allow-root',
      '--ip=127.0.0.1',
      `--port=${port}`,
      '--port-retries=0',
      `--NotebookApp.token=${token}`,
      `--notebook-dir=${site}`,
    ];
    // Its own process group, so that the whole group can be stopped if it does not stop itself.
    server = spawn('jupyter-notebook', args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = server;
    proc.stdout!.on('data', (d) => void (serverLog += d));
    proc.stderr!.on('data', (d) => void (serverLog += d));
    serverExit = new Promise((resolve) => proc.once('exit', () => resolve()));

    const t0 = Date.now();
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        assert.fail(`jupyter-notebook exited (${proc.exitCode ?? proc.signalCode}) before serving:\n${logTail()}`);
      }
      if ((await api('/api/status').catch(() => null))?.ok) break;
      if (Date.now() - t0 > 60_000) assert.fail(`jupyter-notebook did not answer on ${base} within 60 s:\n${logTail()}`);
      await sleep(250);
    }
    console.log(
      `      server up in ${((Date.now() - t0) / 1000).toFixed(1)} s (jupyter-notebook ${spawnSync('jupyter-notebook', ['--version'], { encoding: 'utf8' }).stdout.trim()})`,
    );

    const { chromium: pw } = require('playwright-core') as typeof import('playwright-core');
    browser = await pw.launch({ executablePath: chromium!, args: CHROMIUM_ARGS, timeout: 60_000 });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  /** What a reader would see, for a failure message: each cell's prompt and output text, dialogs. */
  async function describePage(): Promise<string> {
    if (!page) return '(no page)';
    const cells = await page
      .$$eval('#notebook-container > .cell', (els) =>
        els.map((el, i) => {
          const prompt = (el.querySelector('.input_prompt') as unknown as PageElement | null)?.innerText ?? '';
          const out = (el.querySelector('.output_wrapper') as unknown as PageElement | null)?.innerText ?? '';
          return `cell ${i} ${prompt.trim()} ${out.trim().slice(0, 600)}`;
        }),
      )
      .catch((e: Error) => [`(could not read the cells: ${e.message})`]);
    const dialogs = await page.$$eval('.modal-body', (els) => els.map((el) => (el as unknown as PageElement).innerText)).catch(() => []);
    return [...cells, ...dialogs.map((d) => `dialog: ${d}`), ...pageErrors.map((e) => `page error: ${e}`)]
      .map((l) => `      ${l.replace(/\n/g, '\n        ')}`)
      .join('\n');
  }

  it('opens notebook 01, edits run.steps in the editor, runs all: figures and tables show, no errors', async () => {
    const p = page!;
    const t0 = Date.now();
    try {
      await p.goto(`${base}/notebooks/notebooks/${NOTEBOOK}?token=${token}`, { timeout: 60_000 });
      // The kernel the notebook asks for (tslab) is started by the server and connected.
      await p.waitForFunction(
        () =>
          typeof Jupyter !== 'undefined' &&
          !!Jupyter.notebook?.kernel?.is_connected() &&
          document.querySelector('#kernel_indicator_icon')?.className.includes('kernel_idle_icon') === true,
        undefined,
        { timeout: 120_000, polling: 250 },
      );
      assert.equal(await p.evaluate(() => Jupyter.notebook!.kernel!.name), 'tslab');
      // A reader choosing it by hand finds it under Kernel > Change kernel.
      const offered = await p.$$eval('#menu-change-kernel-submenu a', (els) =>
        els.map((el) => (el as unknown as PageElement).innerText.trim()),
      );
      assert.ok(offered.includes('TypeScript (tslab)'), `Kernel > Change kernel offers ${JSON.stringify(offered)}`);
      // The leftover check at the end looks for this tag: it must see the running kernel.
      assert.ok(
        taggedProcesses(tag).some((q) => /tslab kernel/.test(q.cmd)),
        'the tslab kernel process is not found by its tag',
      );
      const tKernel = Date.now();

      // Edit the config cell as a reader does: click the line to follow, End, Enter, type.
      const configIndex = await p.evaluate(() =>
        Jupyter.notebook!.get_cells().findIndex((c) => c.cell_type === 'code' && c.get_text().includes('nb.configure(')),
      );
      assert.ok(configIndex >= 0, 'no config cell (one calling nb.configure) in notebook 01');
      const before = await p.evaluate((i) => Jupyter.notebook!.get_cells()[i].get_text(), configIndex);
      const cell = p.locator('#notebook-container > .cell').nth(configIndex);
      await cell.locator('.CodeMirror-line', { hasText: EDIT_AFTER }).click({ timeout: 30_000 });
      await p.keyboard.press('End');
      await p.keyboard.press('Enter');
      await p.keyboard.type(EDIT_LINE);
      const after = await p.evaluate((i) => Jupyter.notebook!.get_cells()[i].get_text(), configIndex);
      const expected = before.replace(new RegExp(`(${escapeRegExp(EDIT_AFTER)}.*\\n)`), `$1  ${EDIT_LINE}\n`);
      assert.notEqual(expected, before, `the config cell has no line with ${EDIT_AFTER}`);
      // The editor indents the new line its own way (4 spaces in the classic notebook).
      const typed = after.replace(new RegExp(`^[ \\t]*(?=${escapeRegExp(EDIT_LINE)}$)`, 'm'), '  ');
      assert.equal(typed, expected, 'the typed edit is not what the config cell now holds');

      // Run All, from the menu.
      await p.click('#celllink');
      await p.click('#run_all_cells > a');
      // Done: no cell waiting or running (In [*]) and the kernel idle, twice in a row; or an
      // error shows, which fails at once below.
      await p.waitForFunction(
        () => {
          const w = globalThis as unknown as { dniIdleChecks?: number };
          const error =
            document.querySelectorAll('.output_error').length > 0 ||
            Array.from(document.querySelectorAll('.output_stderr')).some((el) => /error/i.test(el.innerText));
          const busy =
            Jupyter.notebook!.get_cells().some((c) => c.input_prompt_number === '*') ||
            !document.querySelector('#kernel_indicator_icon')?.className.includes('kernel_idle_icon');
          w.dniIdleChecks = busy ? 0 : (w.dniIdleChecks ?? 0) + 1;
          return error || w.dniIdleChecks >= 2;
        },
        undefined,
        { timeout: 8 * 60_000, polling: 500 },
      );
      const tRun = Date.now();

      const errors = await p.$$eval('.output_error, .output_stderr', (els) =>
        els.map((el) => (el as unknown as PageElement).innerText).filter((t) => /error/i.test(t)),
      );
      assert.deepEqual(errors, [], 'a cell shows an error');
      const prompts = await p.evaluate(() =>
        Jupyter.notebook!.get_cells()
          .filter((c) => c.cell_type === 'code')
          .map((c) => c.input_prompt_number ?? null),
      );
      assert.ok(
        prompts.every((n) => typeof n === 'number'),
        `not every code cell ran: prompts ${JSON.stringify(prompts)}`,
      );

      // Figures: PNGs (the classic notebook has no plotly renderer), decoded and on screen.
      const figures = p.locator('.output_png img');
      const nFigures = await figures.count();
      assert.ok(nFigures >= 3, `${nFigures} figure(s) shown; notebook 01 has 3`);
      for (let i = 0; i < nFigures; i++) {
        const img = figures.nth(i);
        await img.scrollIntoViewIfNeeded();
        assert.ok(await img.isVisible(), `figure ${i} is not visible`);
        const size = await img.evaluate((el) => {
          const im = el as unknown as { naturalWidth: number; naturalHeight: number; src: string };
          return { w: im.naturalWidth, h: im.naturalHeight, png: im.src.startsWith('data:image/png;base64,') };
        });
        assert.ok(size.png && size.w >= 300 && size.h >= 200, `figure ${i} is not a decoded PNG: ${JSON.stringify(size)}`);
      }
      // Tables: the cpu deviations under the config cell and the results (paper | ours | budget).
      const tables = await p.$$eval('.output_html table', (els) => els.map((el) => (el as unknown as PageElement).innerText));
      const results = tables.find((t) => /\bours\b/.test(t) && /\bbudget\b/.test(t));
      assert.ok(results, `no results table (with ours and budget) among ${tables.length} table(s)`);
      // The edit took effect: every run trained for the edited number of steps.
      const outputs = await p.$$eval('.output_stdout', (els) => els.map((el) => (el as unknown as PageElement).innerText).join('\n'));
      assert.match(outputs, new RegExp(`step ${STEPS}/${STEPS}`), `no run reached step ${STEPS}/${STEPS}`);
      assert.ok(!/step \d+\/40\b/.test(outputs), 'a run still trained for the preset 40 steps');
      assert.match(outputs, new RegExp(`After ${STEPS} steps`));
      assert.match(results!, new RegExp(`\\b${STEPS} steps\\b`), `the results table's budget does not show ${STEPS} steps:\n${results}`);
      console.log(
        `      kernel ready ${((tKernel - t0) / 1000).toFixed(1)} s after opening; Run All ${((tRun - tKernel) / 1000).toFixed(1)} s; ` +
          `${nFigures} figures, ${tables.length} tables`,
      );
    } catch (e) {
      console.log(`      ---- the page ----\n${await describePage()}\n      ---- server log (tail) ----\n${logTail()}`);
      throw e;
    }
  });

  it('shuts down the kernel and the server, leaving no process behind', async function () {
    if (!server) this.skip();
    if (browser) await browser.close();
    browser = null;
    // The reader's File > Close and Halt: the session's kernel is shut down.
    const sessions = (await (await api('/api/sessions')).json()) as { id: string; kernel: { name: string } }[];
    for (const s of sessions) {
      const r = await api(`/api/sessions/${s.id}`, { method: 'DELETE' });
      assert.ok(r.ok, `DELETE /api/sessions/${s.id}: HTTP ${r.status}`);
    }
    const kernels = (await (await api('/api/kernels')).json()) as unknown[];
    assert.deepEqual(kernels, [], 'a kernel is still running after its session was deleted');
    // The server stops on SIGTERM (and would shut down any kernel left).
    server.kill('SIGTERM');
    const stopped = await Promise.race([serverExit.then(() => true), deadline(30_000)]);
    assert.ok(stopped, `jupyter-notebook did not stop within 30 s of SIGTERM:\n${logTail()}`);
    server = null;
    // Kernels run in sessions of their own: look for anything still carrying the run's tag.
    let left = taggedProcesses(tag);
    for (let i = 0; i < 20 && left.length; i++) {
      await sleep(250);
      left = taggedProcesses(tag);
    }
    assert.deepEqual(left, [], 'processes left behind');
  });

  after(async () => {
    // Whatever happened above: close the browser, stop the server and anything it started.
    await browser?.close().catch(() => undefined);
    if (server?.pid && server.exitCode === null && server.signalCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([serverExit, deadline(10_000)]);
    }
    for (const { pid } of taggedProcesses(tag)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });
});
