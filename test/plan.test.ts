/**
 * scripts/notebook-plan.ts: what `npm run notebooks` says before it starts, from the record of the
 * results entries each notebook used (run as the runner runs it, in a child process, on a temporary
 * results folder and an empty data folder).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from '../lib/core/root';

const ROOT = projectRoot();
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

function plan(args: string[], env: Record<string, string>): { status: number | null; out: string } {
  const r = spawnSync('node', [TSX, path.join('scripts', 'notebook-plan.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('scripts/notebook-plan.ts', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dni-plan-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('records the runs a notebook used, then plans: cached runs, runs to compute with their time, downloads', () => {
    const results = path.join(dir, 'results');
    const data = path.join(dir, 'data');
    fs.mkdirSync(results);
    fs.mkdirSync(data);
    const entry = (name: string, config: object, steps: number, msPerStep: number, seconds?: number) =>
      fs.writeFileSync(
        path.join(results, name),
        JSON.stringify({ config, result: { final: { step: steps, seconds }, msPerStep }, createdAt: '2026-01-01T00:00:00.000Z' }),
      );
    entry('a-cpu-mnist-0000000000000000.json', { dataset: 'mnist', run: { steps: 100 } }, 100, 20);
    // Its wall time (600 s, evaluations included) wins over 3000 steps × 100 ms.
    entry('b-cpu-cifar-0000000000000000.json', { dataset: 'cifar10-validation', run: { steps: 3000 } }, 3000, 100, 600);
    entry('c-cpu-ptb-0000000000000000.json', { task: 'ptb-char', run: { steps: 6000 } }, 6000, 10);
    const log = path.join(dir, 'log.txt');
    fs.writeFileSync(
      log,
      `${['a', 'b', 'c', 'a'].map((k) => path.join(results, fs.readdirSync(results).find((f) => f.startsWith(k))!)).join('\n')}\n`,
    );
    const env = { DNI_RESULTS_DIR: results, DNI_DATA_DIR: data };
    const rec = plan(['record', 'cpu', 'notebooks/03-x.ipynb', log, '12.3', String(Date.parse('2026-06-01'))], env);
    assert.equal(rec.status, 0, rec.out);
    const manifest = JSON.parse(fs.readFileSync(path.join(results, 'notebooks', 'cpu.json'), 'utf8'));
    assert.deepEqual(
      manifest['03-x.ipynb'].runs.map((r: { entry: string; data: string | null; steps: number }) => [r.entry.slice(0, 1), r.data, r.steps]),
      [
        ['a', null, 100],
        ['b', 'cifar10', 3000],
        ['c', 'ptb', 6000],
      ],
    );
    assert.equal(manifest['03-x.ipynb'].cachedSeconds, 12);

    fs.rmSync(path.join(results, 'b-cpu-cifar-0000000000000000.json'));
    const p = plan(['plan', 'cpu', 'notebooks/03-x.ipynb', 'notebooks/99-new.ipynb'], env);
    assert.equal(p.status, 0, p.out);
    assert.match(p.out, /plan: 2 notebook\(s\) at DNI_SCALE=cpu/);
    // 12 s to re-execute from the cache, plus the missing run's recorded 600 s: 612 s.
    assert.match(p.out, /03-x: 2 of 3 run\(s\) cached, 1 to compute; about 10 min/);
    assert.match(p.out, /99-new: no record of an execution at DNI_SCALE=cpu/);
    assert.match(p.out, /download first: CIFAR-10 \(170 MB, read by 03\) into /);
    assert.match(p.out, /download first: Penn Treebank \(35 MB, read by 03\)/);
    assert.match(p.out, /estimated time: about 10 min .*plus 1 notebook\(s\) without a record/);
    assert.ok(!fs.existsSync(path.join(data, '.downloads')), 'plan downloads nothing');
  });

  it('DNI_CACHE=off plans every run as computed', () => {
    const p = plan(['plan', 'cpu', 'notebooks/03-x.ipynb'], {
      DNI_RESULTS_DIR: path.join(dir, 'results'),
      DNI_DATA_DIR: path.join(dir, 'data'),
      DNI_CACHE: 'off',
    });
    assert.match(p.out, /03-x: 0 of 3 run\(s\) cached, 3 to compute/);
  });
});
