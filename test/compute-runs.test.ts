/**
 * scripts/compute-runs.ts: the recorded runs of notebooks computed ahead of them, on several
 * processes, into the results folder the notebooks then read.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../lib/core/backend';
import { cachePath } from '../lib/experiments/cache';
import { cacheConfig, experimentSpec, runExperiment } from '../lib/experiments/run-classifier';
import { type Job, type RunReport, spread } from '../scripts/compute-runs';

const ROOT = path.resolve(__dirname, '..');
const SCRIPT = path.join(ROOT, 'scripts', 'compute-runs.ts');

describe('scripts/compute-runs.ts', function () {
  this.timeout(120_000);

  it('spreads the runs longest first over the least loaded process, each run once', () => {
    const jobs: Job[] = [1, 9, 4, 8, 2, 3].map((s, i) => ({ entry: `r${i}-0000000000000000.json`, notebook: 'a.ipynb', recorded: s }));
    const lists = spread(jobs, 2);
    assert.deepEqual(
      lists.map((l) => l.map((j) => j.recorded)),
      [
        [9, 3, 2],
        [8, 4, 1],
      ],
    );
    assert.deepEqual(
      lists
        .flat()
        .map((j) => j.entry)
        .sort(),
      jobs.map((j) => j.entry).sort(),
    );
    assert.deepEqual(
      spread(jobs, 4).map((l) => l.length),
      [1, 1, 2, 2],
    );
  });

  it('computes a recorded run into DNI_RESULTS_DIR under its name, as the notebook would, and says what it left', async () => {
    const from = fs.mkdtempSync(path.join(os.tmpdir(), 'dni-runs-from-'));
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'dni-runs-fresh-'));
    const was = process.env.DNI_RESULTS_DIR;
    try {
      await initBackend();
      const input = {
        dataset: 'mnist' as const,
        run: {
          steps: 4,
          evalEvery: 2,
          batchSize: 16,
          evalExamples: 200,
          trainEvalExamples: 0,
          trainer: { network: { kind: 'fcn' as const, input: 784, hidden: [16], classes: 10 }, lambda: [1] },
        },
      };
      process.env.DNI_RESULTS_DIR = from;
      await runExperiment('nb-cpu-tiny', input, { quiet: true });
      const entry = path.basename(cachePath('nb-cpu-tiny', cacheConfig(experimentSpec(input))));
      fs.writeFileSync(path.join(from, 'clock-cpu-0123456789abcdef.json'), JSON.stringify({ config: { task: 'wall-clock' }, result: {} }));
      // An entry whose config the current code stores under another key (here: renamed).
      fs.copyFileSync(path.join(from, entry), path.join(from, 'nb-cpu-tiny-00000000000000aa.json'));
      fs.mkdirSync(path.join(from, 'notebooks'));
      const runs = [entry, 'clock-cpu-0123456789abcdef.json', 'gone-cpu-fedcba9876543210.json', 'nb-cpu-tiny-00000000000000aa.json'].map(
        (e) => ({
          entry: e,
          steps: 4,
          msPerStep: 1,
          seconds: 1,
          data: null,
        }),
      );
      fs.writeFileSync(
        path.join(from, 'notebooks', 'smoke.json'),
        JSON.stringify({ 'a.ipynb': { executedAt: '', cachedSeconds: 0, runs } }),
      );

      const report = path.join(fresh, 'runs.json');
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', SCRIPT, '--scale', 'smoke', '--from', from, '--jobs', '2', '--report', report, 'notebooks/a.ipynb'],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DNI_RESULTS_DIR: fresh } },
      );
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      const byEntry = new Map((JSON.parse(fs.readFileSync(report, 'utf8')).runs as RunReport[]).map((x) => [x.entry, x]));
      assert.equal(byEntry.get(entry)?.status, 'computed');
      assert.equal(byEntry.get('clock-cpu-0123456789abcdef.json')?.status, 'left to the notebook');
      assert.match(byEntry.get('clock-cpu-0123456789abcdef.json')?.why ?? '', /wall-clock/);
      assert.equal(byEntry.get('gone-cpu-fedcba9876543210.json')?.status, 'failed');
      assert.equal(byEntry.get('nb-cpu-tiny-00000000000000aa.json')?.status, 'left to the notebook');
      assert.match(byEntry.get('nb-cpu-tiny-00000000000000aa.json')?.why ?? '', /no longer resolves/);
      assert.ok(!fs.existsSync(path.join(fresh, 'nb-cpu-tiny-00000000000000aa.json')));
      assert.match(r.stdout, /runs first: 1 of 4 computed/);

      // The same numbers as the run it was recorded from (timings aside).
      const timeless = (file: string) =>
        JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8')).result, (k, v) => (k === 'seconds' || k === 'msPerStep' ? undefined : v));
      assert.equal(timeless(path.join(fresh, entry)), timeless(path.join(from, entry)));
    } finally {
      if (was === undefined) delete process.env.DNI_RESULTS_DIR;
      else process.env.DNI_RESULTS_DIR = was;
      fs.rmSync(from, { recursive: true, force: true });
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('refuses to write the runs where it reads them', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, '--from', 'results'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, DNI_RESULTS_DIR: path.join(ROOT, 'results') },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is DNI_RESULTS_DIR/);
  });
});
