/**
 * The executed-notebook pipeline: notebook helpers (cache, scale, tables, figures, progress) and
 * headless execution of every notebooks/*.ipynb at DNI_SCALE=smoke, on copies.
 *
 *   npx mocha --require tsx --timeout 600000 test/notebooks.test.ts
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cachedRun, cachePath } from '../lib/experiments/cache';
import { canonicalJson } from '../lib/experiments/canonical-json';
import type { Fingerprint } from '../lib/experiments/fingerprint';
import { lineFigure, mimeBundle, panelFigure, PLOTLY_MIME } from '../lib/notebook/figures';
import { chromiumPath, closeFigures } from '../lib/notebook/render';
import { Progress } from '../lib/core/progress';
import { pick, scale } from '../lib/experiments/scale';
import { budget, resultsTable, tableBundle } from '../lib/notebook/tables';
import { withEnv } from './assert';

const ROOT = path.resolve(__dirname, '..');
const RUNNER = path.join(ROOT, 'scripts', 'run-notebooks.py');
const SETUP = 'bash environment/setup-debian.sh';

/** Captures console.warn during `fn`. */
async function captureWarnings<T>(fn: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  try {
    return { value: await fn(), warnings };
  } finally {
    console.warn = orig;
  }
}

function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A project-like folder outside the repository, where the tslab kernel is found through node_modules. */
function projectDir(prefix: string): string {
  const dir = tmpDir(prefix);
  try {
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

/** A code cell of an unexecuted notebook. */
const codeCell = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });

describe('notebook helpers', () => {
  describe('cachedRun', () => {
    let dir: string;
    beforeEach(() => {
      dir = tmpDir('dni-cache-');
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const config = { steps: 30, lr: 1e-3, layers: [256, 256], method: 'cdni' };

    function counter() {
      let calls = 0;
      const compute = async () => {
        calls++;
        return { steps: [0, 10, 20], loss: [2.3, 1.1, 0.5], calls };
      };
      return { compute, calls: () => calls };
    }

    it('reuses a finished run (hit), whatever the key order of the config', async () => {
      const c = counter();
      const a = await cachedRun('unit', config, c.compute, { dir, quiet: true });
      const reordered = { method: 'cdni', layers: [256, 256], lr: 1e-3, steps: 30 };
      const b = await cachedRun('unit', reordered, c.compute, { dir, quiet: true });
      assert.equal(c.calls(), 1);
      assert.deepEqual(b, a);
      const file = cachePath('unit', config, { dir });
      const entry = JSON.parse(fs.readFileSync(file, 'utf8'));
      for (const f of ['config', 'fingerprint', 'result', 'createdAt', 'checksum']) assert.ok(f in entry, f);
      assert.match(path.basename(file), /^unit-[0-9a-f]{16}\.json$/);
      assert.deepEqual(fs.readdirSync(dir), [path.basename(file)], 'no temporary files left');
    });

    it('reuses the same config stored under another name, copying it under this name; a corrupt twin is not used', async () => {
      const c = counter();
      const a = await cachedRun('notebook-a', config, c.compute, { dir, quiet: true });
      const b = await cachedRun('notebook-b', { ...config }, c.compute, { dir, quiet: true });
      assert.equal(c.calls(), 1);
      assert.deepEqual(b, a);
      assert.equal(
        fs.readFileSync(cachePath('notebook-b', config, { dir }), 'utf8'),
        fs.readFileSync(cachePath('notebook-a', config, { dir }), 'utf8'),
      );
      // Another config is no twin.
      await cachedRun('notebook-c', { ...config, lr: 3e-4 }, c.compute, { dir, quiet: true });
      assert.equal(c.calls(), 2);
      // A twin with a broken checksum is ignored: the run is computed.
      const aFile = cachePath('notebook-a', config, { dir });
      fs.writeFileSync(aFile, fs.readFileSync(aFile, 'utf8').replace('"calls":1', '"calls":7'));
      fs.rmSync(cachePath('notebook-b', config, { dir }));
      await cachedRun('notebook-d', config, c.compute, { dir, quiet: true });
      assert.equal(c.calls(), 3);
    });

    it('recomputes when the config changes (miss)', async () => {
      const c = counter();
      await cachedRun('unit', config, c.compute, { dir, quiet: true });
      await cachedRun('unit', { ...config, lr: 3e-4 }, c.compute, { dir, quiet: true });
      assert.equal(c.calls(), 2);
      assert.equal(fs.readdirSync(dir).length, 2);
    });

    for (const [what, corrupt] of [
      ['bad JSON', (text: string) => text.slice(0, text.length / 2)],
      ['a checksum mismatch', (text: string) => text.replace('"loss":[2.3', '"loss":[9.9')],
      ['a missing field', (text: string) => JSON.stringify({ ...JSON.parse(text), createdAt: undefined })],
    ] as const) {
      it(`detects a corrupt entry (${what}), warns naming the file, and recomputes`, async () => {
        const c = counter();
        await cachedRun('unit', config, c.compute, { dir, quiet: true });
        const file = cachePath('unit', config, { dir });
        fs.writeFileSync(file, corrupt(fs.readFileSync(file, 'utf8')));
        const { value, warnings } = await captureWarnings(() =>
          cachedRun<{ calls: number }>('unit', config, c.compute, { dir, quiet: true }),
        );
        assert.equal(c.calls(), 2, 'recomputed');
        assert.equal(value.calls, 2);
        assert.equal(warnings.length, 1, warnings.join('\n'));
        assert.ok(warnings[0].includes(path.basename(file)), warnings[0]);
        // The rewritten entry is valid again.
        await cachedRun('unit', config, c.compute, { dir, quiet: true });
        assert.equal(c.calls(), 2);
      });
    }

    it('DNI_CACHE=off recomputes (and still writes)', async () => {
      const c = counter();
      await cachedRun('unit', config, c.compute, { dir, quiet: true });
      await withEnv({ DNI_CACHE: 'off' }, () => cachedRun('unit', config, c.compute, { dir, quiet: true }));
      assert.equal(c.calls(), 2);
    });

    it('reuses an entry while its numerics fingerprint matches within the tolerance, and recomputes when it does not', async () => {
      const c = counter();
      const fp =
        (probe: number[], data = 'abc'): (() => Promise<Fingerprint>) =>
        async () => ({ probe, data });
      await cachedRun('unit', config, c.compute, { dir, quiet: true, fingerprint: fp([1.5, 0.25]) });
      // Float-level noise (a backend or BLAS path) is within the tolerance.
      await cachedRun('unit', config, c.compute, { dir, quiet: true, fingerprint: fp([1.5000001, 0.25000002]) });
      assert.equal(c.calls(), 1);
      const changed = await captureWarnings(() =>
        cachedRun('unit', config, c.compute, { dir, quiet: true, fingerprint: fp([1.52, 0.25]) }),
      );
      assert.equal(c.calls(), 2);
      assert.match(changed.warnings[0], /numerics changed \(probe number 0/);
      const data = await captureWarnings(() =>
        cachedRun('unit', config, c.compute, { dir, quiet: true, fingerprint: fp([1.52, 0.25], 'xyz') }),
      );
      assert.equal(c.calls(), 3);
      assert.match(data.warnings[0], /dataset's contents changed/);
    });

    it('fails before computing when the entry path is a folder (so no result is lost)', async () => {
      const c = counter();
      fs.mkdirSync(cachePath('unit', config, { dir }));
      await assert.rejects(cachedRun('unit', config, c.compute, { dir, quiet: true }), /is a folder.*rm -r/);
      assert.equal(c.calls(), 0);
      const file = path.join(dir, 'afile');
      fs.writeFileSync(file, '');
      await assert.rejects(cachedRun('unit', config, c.compute, { dir: file, quiet: true }), /results folder/);
      assert.equal(c.calls(), 0);
    });

    it('rejects results that are not plain JSON, naming where', async () => {
      await assert.rejects(
        cachedRun('unit', config, async () => ({ history: { loss: new Float32Array(3) } }), { dir, quiet: true }),
        /result\.history\.loss is a Float32Array/,
      );
    });

    it('canonical JSON sorts keys at every level', () => {
      assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: 2 } }), '{"a":{"c":2,"d":[1,{"e":2,"f":1}]},"b":1}');
    });
  });

  describe('scale', () => {
    it('defaults to cpu and picks the preset', async () => {
      await withEnv({ DNI_SCALE: undefined }, () => {
        assert.equal(scale(), 'cpu');
        assert.equal(pick({ smoke: 1, cpu: 2, paper: 3 }), 2);
      });
      await withEnv({ DNI_SCALE: 'smoke' }, () => assert.equal(pick({ smoke: 1, cpu: 2, paper: 3 }), 1));
    });

    it('rejects an unknown value, naming DNI_SCALE and the choices', async () => {
      await withEnv({ DNI_SCALE: 'huge' }, () => {
        assert.throws(
          () => scale(),
          (e: Error) => /DNI_SCALE/.test(e.message) && /smoke, cpu, paper/.test(e.message),
        );
      });
    });
  });

  describe('tables', () => {
    const rows = [
      { model: 'FCN 3 layers', method: 'cDNI', paper: '2.2%', ours: 0.02345678, budget: budget(500_000, 3_000) },
      { model: 'FCN 3 layers', method: 'bprop', paper: '1.9%', ours: '2.0%', budget: budget(500_000, 3_000) },
    ];

    it('ends with the paper, ours and budget columns', () => {
      const t = resultsTable(rows);
      assert.deepEqual(t.columnNames(), ['model', 'method', 'paper', 'ours', 'budget']);
      assert.equal(budget(500_000, 3_000), '500k vs 3k');
    });

    it('renders html (plain <table>, no script), markdown and text in one bundle', () => {
      const b = tableBundle(resultsTable(rows), { title: 'MNIST test error' });
      assert.deepEqual(Object.keys(b).sort(), ['text/html', 'text/markdown', 'text/plain']);
      const html = b['text/html'] as string;
      assert.match(html, /^<table>/);
      assert.ok(!/<script/i.test(html));
      for (const s of ['paper', 'ours', 'budget', '500k vs 3k', '0.02346']) {
        for (const mime of ['text/html', 'text/markdown', 'text/plain']) assert.ok((b[mime] as string).includes(s), `${mime} has ${s}`);
      }
    });

    it('rejects a row without ours', () => {
      assert.throws(() => resultsTable([{ model: 'x', paper: 1, budget: '1k vs 1k' } as never]), /row 0 has no 'ours'/);
    });
  });

  describe('figures', function () {
    this.timeout(120_000);
    after(() => closeFigures());

    const fig = lineFigure({
      title: 'Test error',
      xTitle: 'step',
      yTitle: 'error',
      series: [
        { name: 'bprop', x: [0, 100, 200], y: Float32Array.from([0.9, 0.1, 0.05]) },
        { name: 'cDNI', x: [0, 100, 200], y: [0.9, 0.2, 0.06] },
      ],
      logY: true,
    });

    it('a log axis is labelled 1-2-5 over the data range', () => {
      const y = (fig.layout as { yaxis: { type: string; tickvals: number[]; ticktext: string[] } }).yaxis;
      assert.equal(y.type, 'log');
      // 0.9 is more than a factor 1.5 above 0.5, so 1 labels the top.
      assert.deepEqual(y.tickvals, [0.05, 0.1, 0.2, 0.5, 1]);
      assert.deepEqual(y.ticktext, ['0.05', '0.1', '0.2', '0.5', '1']);
      // A range under a factor of 4 gets a linear axis; between 4 and ~10, every 1–9 × 10^k, so at least four labels.
      const narrow = lineFigure({ title: 't', xTitle: 'x', yTitle: 'y', logY: true, series: [{ name: 'a', x: [1, 2], y: [52, 69] }] });
      assert.equal((narrow.layout as { yaxis: { type: string } }).yaxis.type, 'linear');
      const middling = lineFigure({ title: 't', xTitle: 'x', yTitle: 'y', logY: true, series: [{ name: 'a', x: [1, 2], y: [11, 60] }] });
      assert.deepEqual((middling.layout as { yaxis: { tickvals: number[] } }).yaxis.tickvals, [10, 20, 30, 40, 50, 60]);
      // Each end of the data gets a label within a factor 1.5 (the one just below 2.14, just above 54.5 is 50 × 1.5 away at most),
      // and the range shows it.
      const wide = lineFigure({
        title: 't',
        xTitle: 'x',
        yTitle: 'y',
        logY: true,
        series: [{ name: 'a', x: [1, 2, 3], y: [2.14, 9, 54.5] }],
      });
      const w = (wide.layout as { yaxis: { tickvals: number[]; range: number[] } }).yaxis;
      assert.deepEqual(w.tickvals, [2, 5, 10, 20, 50]);
      assert.ok(w.range[0] < Math.log10(2) && w.range[1] > Math.log10(54.5), `range ${w.range}`);
    });

    it('a figure is as wide as its title needs', () => {
      const title = 'MNIST FCN, 4 layers: training error, complete unlock (dashed) against synthetic gradients alone';
      const f = lineFigure({ title, xTitle: 'x', yTitle: 'y', series: [{ name: 'a', x: [1, 2], y: [1, 2] }] });
      const width = (g: typeof f) => (g.layout as { width: number }).width;
      assert.ok(width(f) >= title.length * 0.55 * 17 + 20, `width ${width(f)}`);
      assert.equal(width(lineFigure({ title: 'short', xTitle: 'x', yTitle: 'y', series: [] })), 720);
    });

    it('panels share their axes, title every x axis and the left y axes, and list each method once in the legend', () => {
      const panel = (t: string, bp: number[]) => ({
        title: t,
        series: [
          { name: 'Bprop', x: [1, 2, 3], y: bp, color: '#1f77b4' },
          { name: 'DNI', x: [1, 2, 3], y: [30, 20, 10], color: '#d62728' },
        ],
      });
      const f = panelFigure({
        title: 'grid',
        xTitle: 'training step',
        yTitle: 'test error (%)',
        logY: true,
        panels: [panel('3 layers', [9, 5, 2]), panel('4 layers', [8, 4, 2]), panel('5 layers', [7, 3, 2])],
      });
      const l = f.layout as Record<string, { matches?: string; title?: { text: string }; tickvals?: number[] } & Record<string, unknown>>;
      assert.deepEqual(
        f.data.map((t) => [t.xaxis, t.yaxis, t.showlegend]),
        [
          ['x', 'y', true],
          ['x', 'y', true],
          ['x2', 'y2', false],
          ['x2', 'y2', false],
          ['x3', 'y3', false],
          ['x3', 'y3', false],
        ],
      );
      assert.equal(l.yaxis2.matches, 'y');
      assert.equal(l.xaxis3.matches, 'x');
      // 2 columns: y titles on the left column (panels 1, 3); an x title under every panel, so a grid with a gap reads alike.
      assert.deepEqual(
        [l.yaxis, l.yaxis2, l.yaxis3].map((a) => a.title?.text ?? null),
        ['test error (%)', null, 'test error (%)'],
      );
      assert.deepEqual(
        [l.xaxis, l.xaxis2, l.xaxis3].map((a) => a.title?.text ?? null),
        ['training step', 'training step', 'training step'],
      );
      // One log scale over every panel's data (2 … 30).
      assert.deepEqual(l.yaxis.tickvals, [2, 5, 10, 20]);
      assert.throws(
        () => panelFigure({ title: 't', xTitle: 'x', yTitle: 'y', panels: [{ title: 'p', series: [{ name: 'a', x: [1, 2], y: [1] }] }] }),
        /series 'a' in panel 'p' has 2 x values but 1 y values/,
      );
      // Runs of different lengths: each panel spans its own x range; a y axis of levels has whole-number ticks.
      const own = panelFigure({
        title: 'levels',
        xTitle: 'samples',
        yTitle: 'level',
        shareX: false,
        yDtick: 1,
        panels: [panel('T = 2', [1, 2, 2]), panel('T = 4', [1, 1, 2])],
      });
      const lo = own.layout as Record<string, Record<string, unknown>>;
      assert.equal(lo.xaxis2.matches, undefined);
      assert.equal(lo.yaxis2.matches, 'y');
      assert.deepEqual([lo.yaxis.dtick, lo.yaxis.tickformat, lo.yaxis2.dtick], [1, 'd', 1]);
    });

    it('without chromium: plotly JSON + text, a warning, no failure', async () => {
      await closeFigures();
      const { value: b, warnings } = await captureWarnings(() => withEnv({ DNI_CHROMIUM: 'none' }, () => mimeBundle(fig)));
      await closeFigures();
      assert.deepEqual(Object.keys(b).sort(), [PLOTLY_MIME, 'text/plain'].sort());
      assert.equal(warnings.length, 1);
    });

    it('has plotly JSON, text, a PNG when chromium exists, and no SVG', async () => {
      const b = await mimeBundle(fig);
      const json = b[PLOTLY_MIME] as { data: { name: string; y: number[] }[] };
      assert.deepEqual(
        json.data.map((t) => t.name),
        ['bprop', 'cDNI'],
      );
      assert.ok(Array.isArray(json.data[0].y), 'typed arrays become plain arrays');
      assert.equal(json.data[0].y[0], 0.9, 'float32 noise rounded away');
      assert.match(b['text/plain'] as string, /Test error[\s\S]*bprop: 3 points/);
      assert.ok(!('image/svg+xml' in b));
      assert.ok(!Object.values(b).some((v) => typeof v === 'string' && /<script/i.test(v)));
      if (chromiumPath() === null) {
        console.log(`      (no chromium: PNG not checked; ${SETUP} installs it)`);
        return;
      }
      assert.equal(typeof b['image/png'], 'string');
      const png = Buffer.from(b['image/png'] as string, 'base64');
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.ok(png.length > 5000, `PNG of ${png.length} bytes`);
    });
  });

  describe('Progress', () => {
    it('thins lines to tens, keeps the first and last, and reports speed', () => {
      const lines: string[] = [];
      const p = new Progress(1000, { label: 'cDNI', write: (l) => lines.push(l) });
      for (let step = 0; step <= 1000; step += 1) p.log({ step, loss: 1 / (step + 1), error: 0.1 });
      p.done();
      assert.ok(lines.length <= 25, `${lines.length} lines`);
      assert.match(lines[0], /^cDNI: step +0\/1000 \| loss 1\.0000 \| error 10\.00%/);
      assert.match(lines[lines.length - 2], /step 1000\/1000/);
      assert.match(lines[lines.length - 1], /^cDNI: done, 1000 steps/);
    });
  });
});

/** The python that has nbclient: python3 on PATH, else Debian's (as the runner does). */
function pythonWithNbclient(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import nbclient, nbformat'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

function requireNbclient(): string {
  const py = pythonWithNbclient();
  assert.ok(py, `jupyter/nbclient is missing: run \`${SETUP}\` (Debian, as root) or \`pip install nbclient\``);
  return py;
}

function errorOutputs(nbFile: string): string[] {
  const nb = JSON.parse(fs.readFileSync(nbFile, 'utf8')) as {
    cells: { cell_type: string; outputs?: { output_type: string; ename?: string }[] }[];
  };
  const errors: string[] = [];
  nb.cells.forEach((c, i) => {
    for (const o of c.outputs ?? []) if (o.output_type === 'error') errors.push(`cell ${i}: ${o.ename ?? 'error'}`);
  });
  return errors;
}

describe('scripts/run-notebooks.py', function () {
  this.timeout(30 * 60_000);

  it('rejects an unknown DNI_SCALE, listing the choices', () => {
    const r = spawnSync('python3', [RUNNER, '--no-build'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DNI_SCALE: 'huge' } });
    assert.notEqual(r.status, 0);
    assert.match(`${r.stdout}${r.stderr}`, /smoke, cpu, paper|jupyter|nbclient/);
  });

  it('reports a failing cell with its source and the TypeScript error, and leaves the notebook untouched', () => {
    requireNbclient();
    const dir = projectDir('dni-nbfail-');
    try {
      const nbFile = path.join(dir, 'fail.ipynb');
      const nb = {
        cells: [codeCell("console.log('fine')"), codeCell("// a type error\nconst n: number = 'not a number';")],
        metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript (tslab)', language: 'typescript' } },
        nbformat: 4,
        nbformat_minor: 4,
      };
      fs.writeFileSync(nbFile, JSON.stringify(nb, null, 1));
      const before = fs.readFileSync(nbFile);
      const r = spawnSync('python3', [RUNNER, '--no-build', '--scale', 'smoke', nbFile], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 1, `${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /cell 1 failed/);
      assert.match(r.stderr, /const n: number = 'not a number';/);
      assert.match(r.stderr, /Type 'string' is not assignable to type 'number'/);
      assert.ok(fs.readFileSync(nbFile).equals(before), 'a failed notebook is not rewritten');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--recompute runs from an empty results folder, writes the copies and a table of minutes there, and refuses a used folder', () => {
    requireNbclient();
    const dir = projectDir('dni-nbrecompute-');
    try {
      const nbFile = path.join(dir, 'tiny.ipynb');
      const nb = { cells: [codeCell('console.log(process.env.DNI_RESULTS_DIR)')], metadata: {}, nbformat: 4, nbformat_minor: 4 };
      fs.writeFileSync(nbFile, JSON.stringify(nb, null, 1));
      const before = fs.readFileSync(nbFile);
      const out = path.join(dir, 'fresh');
      const r = spawnSync('python3', [RUNNER, '--no-build', '--scale', 'smoke', '--recompute', out, nbFile], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.ok(fs.readFileSync(nbFile).equals(before), 'the notebook itself is not rewritten');
      const copy = fs.readFileSync(path.join(out, 'notebooks', 'tiny.ipynb'), 'utf8');
      assert.ok(copy.includes(path.join(out, 'results')), 'the kernel ran with DNI_RESULTS_DIR at the empty folder');
      assert.match(
        fs.readFileSync(path.join(out, 'minutes.md'), 'utf8'),
        /\| tiny \| 0 \| 0\.0 \| \d+\.\d \| ok \|[\s\S]*\| runs first, wall clock \| \| \d+\.\d \|[\s\S]*\| all, wall clock \| \| \| \d+\.\d \|/,
      );
      fs.writeFileSync(path.join(out, 'results', 'x-1.json'), '{}');
      const again = spawnSync('python3', [RUNNER, '--no-build', '--scale', 'smoke', '--recompute', out, nbFile], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      assert.equal(again.status, 2);
      assert.match(again.stderr, /already holds results entries; give an empty or new folder/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shows a dead kernel's stderr (mid-cell and at shutdown), keeps a healthy one quiet, with --jobs", () => {
    requireNbclient();
    const dir = projectDir('dni-nbdead-');
    try {
      // fs.writeSync(2, …) reaches the kernel's real stderr, as a V8 fatal error or a native abort
      // would; console.error goes to the cell's output instead (tslab captures it).
      const toStderr = (marker: string) => `require('fs').writeSync(2, '${marker}\\n');`;
      const notebooks: Record<string, string[]> = {
        'dies.ipynb': [
          "console.log('fine')",
          `${toStderr('boom-marker')} console.error('console-marker'); process.exit(3);`,
          "console.log('never')",
        ],
        'exits.ipynb': [`process.on('exit', () => { ${toStderr('exit-marker')} process.exitCode = 4; }); 1`],
        'healthy.ipynb': [`${toStderr('quiet-marker')} console.log('ok')`],
      };
      const before = new Map<string, Buffer>();
      for (const [name, cells] of Object.entries(notebooks)) {
        const nb = { cells: cells.map(codeCell), metadata: {}, nbformat: 4, nbformat_minor: 4 };
        fs.writeFileSync(path.join(dir, name), JSON.stringify(nb, null, 1));
        before.set(name, fs.readFileSync(path.join(dir, name)));
      }
      const out = path.join(dir, 'out');
      const files = Object.keys(notebooks).map((f) => path.join(dir, f));
      const r = spawnSync('python3', [RUNNER, '--no-build', '--scale', 'smoke', '--jobs', '2', '--out', out, ...files], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      const all = `${r.stdout}\n${r.stderr}`;
      assert.equal(r.status, 1, all);
      // Each report is one block (no interleaving under --jobs): header, marker, FAILED line.
      assert.match(
        r.stderr,
        /dies\.ipynb: cell 1 failed\n(?:(?!\.ipynb)[\s\S])*kernel exited with status 3(?:(?!\.ipynb)[\s\S])*boom-marker\n[^\n]*dies\.ipynb: FAILED/,
      );
      assert.match(
        r.stderr,
        /exits\.ipynb: every cell ran, but the kernel exited with status 4 at shutdown\n(?:(?!\.ipynb)[\s\S])*exit-marker\n[^\n]*exits\.ipynb: FAILED/,
      );
      assert.match(r.stdout, /healthy\.ipynb: ok/);
      assert.ok(!all.includes('quiet-marker'), `a healthy kernel's stderr is not shown:\n${all}`);
      assert.deepEqual(fs.readdirSync(out), ['healthy.ipynb'], 'only the healthy notebook is written');
      for (const [name, bytes] of before) assert.ok(fs.readFileSync(path.join(dir, name)).equals(bytes), `${name} was rewritten`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows the stderr of a kernel that dies while starting', () => {
    requireNbclient();
    const dir = projectDir('dni-nbstart-');
    try {
      const nbFile = path.join(dir, 'start.ipynb');
      fs.writeFileSync(
        nbFile,
        JSON.stringify({
          cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: '1' }],
          metadata: {},
          nbformat: 4,
          nbformat_minor: 4,
        }),
      );
      // The kernel's node (npm exec, the first process of the kernelspec) dies before tslab starts.
      const crash = path.join(dir, 'crash.js');
      fs.writeFileSync(crash, "require('fs').writeSync(2, 'startup-marker\\n'); process.exit(5);\n");
      const r = spawnSync('python3', [RUNNER, '--no-build', '--scale', 'smoke', '--startup-timeout', '60', nbFile], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: `--require ${crash}` },
      });
      assert.equal(r.status, 1, `${r.stdout}${r.stderr}`);
      assert.match(
        r.stderr,
        /start\.ipynb: the kernel failed before running any cell\n[\s\S]*kernel exited with status 5[\s\S]*startup-marker/,
      );
      assert.ok(!/Traceback/.test(r.stderr), `no Python traceback:\n${r.stderr}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('executes every notebooks/*.ipynb at DNI_SCALE=smoke, on copies, without errors', () => {
    // DNI_NOTEBOOKS_DIR: another folder of notebooks (a project-like folder), to test this test.
    const dir = process.env.DNI_NOTEBOOKS_DIR ? path.resolve(process.env.DNI_NOTEBOOKS_DIR) : path.join(ROOT, 'notebooks');
    let notebooks = fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.ipynb'))
          .sort()
      : [];
    // CIFAR-10 lives in DNI_DATA_DIR, else ../shared/data beside the project (dev and CI), else data/.
    const shared = path.resolve(ROOT, '..', 'shared', 'data');
    const dataDir = process.env.DNI_DATA_DIR ?? (fs.existsSync(shared) ? shared : path.join(ROOT, 'data'));
    if (!fs.existsSync(path.join(dataDir, 'cifar-10-batches-bin', 'test_batch.bin'))) {
      const usesCifar = (f: string) => /cifar(Fcn|Cnn|10)/.test(fs.readFileSync(path.join(dir, f), 'utf8'));
      const skipped = notebooks.filter(usesCifar);
      if (skipped.length)
        console.log(`      skipped (no CIFAR-10 in ${dataDir}; run \`npm run data\` and set DNI_DATA_DIR): ${skipped.join(', ')}`);
      notebooks = notebooks.filter((f) => !usesCifar(f));
    }
    if (notebooks.length === 0) {
      console.log(`      found no notebooks in ${path.relative(ROOT, dir) || dir}/: nothing to execute`);
      return;
    }
    requireNbclient();
    const committed = new Map(notebooks.map((f) => [f, fs.readFileSync(path.join(dir, f))]));
    const out = tmpDir('dni-nbrun-');
    try {
      const t0 = Date.now();
      const r = spawnSync('python3', [RUNNER, '--scale', 'smoke', '--out', out, ...notebooks.map((f) => path.join(dir, f))], {
        cwd: ROOT,
        encoding: 'utf8',
        // A fresh results folder: every run is computed, and the repository's results/ is untouched.
        env: { ...process.env, DNI_SCALE: 'smoke', DNI_RESULTS_DIR: path.join(out, 'results'), DNI_DATA_DIR: dataDir },
      });
      console.log(r.stdout.replace(/^/gm, '      ').trimEnd());
      console.log(`      ${notebooks.length} notebook(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      assert.equal(r.status, 0, `run-notebooks.py failed:\n${r.stdout}\n${r.stderr}`);
      for (const f of notebooks) {
        const executed = path.join(out, f);
        assert.ok(fs.existsSync(executed), `${f} was not written to --out`);
        assert.deepEqual(errorOutputs(executed), [], `${f} has error outputs`);
        assert.ok(fs.readFileSync(path.join(dir, f)).equals(committed.get(f)!), `${f} (committed) was rewritten`);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
