/**
 * Notebook 15's section (lib/experiments/sections/two-cores*.ts): the readings and claims on runs
 * made up here (each way, and ties from coarse evaluations), the table and figure, bad config
 * fields named, and the smoke-scale section trained on workers, cached with its machine facts and
 * reused.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../lib/core/errors';
import { atSmokeScale } from './assert';
import type { WallClockRun } from '../lib/experiments/run-wall-clock';
import { configure } from '../lib/experiments/section';
import { TWO_CORES_SECTION } from '../lib/experiments/sections/two-cores';
import { twoCoresSentence, winnersText } from '../lib/experiments/sections/two-cores-claims';
import {
  commonBudget,
  coresSplitText,
  secondsToReach,
  type TwoCoresCell,
  type TwoCoresMethod,
} from '../lib/experiments/sections/two-cores-readings';
import { twoCoresCurveFigure, twoCoresMachineNote, twoCoresRows } from '../lib/notebook/two-cores-figures';

/** A run whose test error falls from 50% as 1/(1 + seconds/tau), evaluated every `every` s for `budget` s, at `ms` ms per step. */
function run(tau: number, ms: number, every = 10, budget = 100, otherCores = 0): WallClockRun {
  const history = [];
  for (let s = every; s <= budget + 1e-9; s += every) {
    history.push({ step: Math.round((1000 * s) / ms), seconds: s, trainLoss: 1, testLoss: 1, testError: 0.5 / (1 + s / tau) });
  }
  const machine = { cpuModel: 'Test CPU', cpus: 2, otherCores, node: 'v20', note: '' };
  return { history, msPerStep: ms, steps: history[history.length - 1].step, machine };
}

const cell = (method: TwoCoresMethod, workers: number, r: WallClockRun): TwoCoresCell => ({
  method,
  workers,
  seed: 1,
  cuts: method !== 'bprop' && workers > 1 ? [2] : [],
  run: r,
});

/** Backprop fast and steady; DNI and cDNI twice as fast per step and in time on 2 workers as on 1. */
function cells(o: { dni2?: number; bprop2?: number } = {}): TwoCoresCell[] {
  return [
    cell('bprop', 1, run(5, 15)),
    cell('bprop', 2, run(o.bprop2 ?? 5, 18)),
    cell('dni', 1, run(20, 200)),
    cell('dni', 2, run(o.dni2 ?? 10, 100)),
    cell('cdni', 1, run(20, 25)),
    cell('cdni', 2, run(10, 14)),
  ];
}

const verdicts = (cs: TwoCoresCell[]) => TWO_CORES_SECTION.claims(configure(TWO_CORES_SECTION), cs).map((c) => c.verdict);

describe('Decoupled training on two cores: readings, claims, config, cached runs', () => {
  it('times are read at the evaluations within the budget, with the gap before as their resolution', () => {
    const r = run(10, 10);
    // 0.5 / (1 + s/10) ≤ 0.2 from s = 15: first evaluated at 20 s, 10 s after the one before.
    assert.deepEqual(secondsToReach(r, 0.2, 100), { seconds: 20, resolution: 10 });
    assert.equal(secondsToReach(r, 0.2, 15), null);
    assert.equal(secondsToReach(r, 0.01, 100), null);
    assert.equal(commonBudget([cell('bprop', 1, run(5, 15, 10, 60)), cell('dni', 1, run(5, 15))]), 60);
    assert.equal(coresSplitText(cell('dni', 2, r), 6), 'units 1–2 | 3–6');
    assert.equal(coresSplitText({ method: 'dni', workers: 2, cuts: [1] }, 6), 'units 1 | 2–6');
    assert.equal(coresSplitText(cell('bprop', 2, r), 6), '2 replicas, 2 shares of each batch');
  });

  it('the claims go each way on made-up runs', () => {
    // Decoupled runs twice as fast per step and in time; backprop reaches every level sooner.
    assert.deepEqual(verdicts(cells()), ['shown', 'shown', 'shown', 'not shown', 'not shown']);
    // DNI on 2 workers as fast to 10% as on 1, evaluated every 10 s: within the resolution.
    assert.equal(verdicts(cells({ dni2: 20 }))[1], 'not testable at this budget');
    // DNI on 2 workers reaching 10% 20 s later than on 1: not shown.
    assert.equal(verdicts(cells({ dni2: 24 }))[1], 'not shown');
    // No threshold both reach (the lowest error both touch once is not a level): not testable.
    assert.equal(verdicts(cells({ dni2: 400 }))[1], 'not testable at this budget');
    // Data-parallel backprop slow: decoupled cDNI gets to 10% first.
    assert.equal(verdicts(cells({ bprop2: 14 }))[4], 'shown');
    // A step no faster on 2 workers: the first claim is not shown.
    const slow = cells().map((c) => (c.method === 'cdni' && c.workers === 2 ? cell('cdni', 2, run(10, 30)) : c));
    assert.equal(verdicts(slow)[0], 'not shown');
  });

  it('the sentence names the winner and the margin, the speed-ups and the claims; the winners per error', () => {
    const cs = cells();
    const claims = TWO_CORES_SECTION.claims(configure(TWO_CORES_SECTION), cs);
    const s = twoCoresSentence(cs, claims);
    assert.match(
      s,
      /^After a common budget of 100\.0 s of training per run on 2 × Test CPU, the lowest test error was Bprop, 1 worker's, 2\.38%/,
    );
    assert.match(s, /DNI decoupled 2\.00×, cDNI decoupled 1\.79×/);
    assert.match(s, /3 of 5 claims above are shown at this budget\.$/);
    assert.match(
      winnersText(cs, [10, 1]),
      /10%: Bprop, 1 worker first, at 20\.0 s, 1\.00× sooner than Bprop data-parallel, 2 workers \(20\.0 s\); 1%: no run within 100\.0 s\./,
    );
  });

  it('the figure and table are built from the runs: a curve per run, 2 workers dashed; times, speed-ups, splits', () => {
    const cfg = configure(TWO_CORES_SECTION);
    const cs = cells();
    const fig = twoCoresCurveFigure(cfg, cs);
    assert.equal(fig.data.length, 6);
    const dni2 = fig.data.find((t) => (t as { name: string }).name === 'DNI decoupled, 2 workers') as {
      line: { dash: string; color: string };
    };
    assert.deepEqual(dni2.line, { color: '#d62728', dash: 'dash' });
    const rows = twoCoresRows({ ...cfg, thresholds: [10, 1] }, cs);
    const row = rows.find((r) => r.run === 'DNI decoupled, 2 workers')!;
    assert.equal(row['speed-up'], '2.00×');
    assert.equal(row.split, 'units 1–2 | 3–6');
    assert.equal(row['s to 10%'], '40.0 s (spread 10.0)'); // 0.5 / (1 + s/10) ≤ 0.1 from s = 40
    assert.equal(row['s to 1%'], '—');
    assert.match(twoCoresMachineNote(cs), /^Other processes kept at most 0\.00 cores busy/);
    const busy = [...cs.slice(1), cell('bprop', 1, run(5, 15, 10, 100, 1.2))];
    assert.match(
      twoCoresMachineNote(busy),
      /^Warning: other processes used the cores during 1 of 6 runs \(Bprop, 1 worker, seed 1 \(1\.20 cores\)\)/,
    );
  });

  it('a bad field is refused, naming it', () => {
    const refused = (changes: Record<string, unknown>, field: string) =>
      assert.throws(
        () => configure(TWO_CORES_SECTION, changes),
        (e: unknown) => e instanceof ConfigError && e.field === field,
        field,
      );
    refused({ workers: 1 }, 'workers');
    refused({ 'run.seconds': 0 }, 'run.seconds');
    refused({ 'run.evalSeconds': -1 }, 'run.evalSeconds');
    refused({ 'run.batchSize': 0 }, 'run.batchSize');
    refused({ thresholds: [] }, 'thresholds');
    refused({ thresholds: [120] }, 'thresholds[0]');
    refused({ seeds: [1, 1] }, 'seeds');
    refused({ depth: 1 }, 'depth');
    refused({ 'trainer.optimizer.lr': -1 }, 'trainer.optimizer.lr');
    assert.throws(() => configure(TWO_CORES_SECTION, { 'run.evalEvry': 2 }), /evalEvry/);
    assert.equal(configure(TWO_CORES_SECTION, { 'run.seconds': 300 }).run.seconds, 300);
  });

  it('at smoke scale, the section trains its six runs on workers, stores them with the machine and reuses them', async function () {
    this.timeout(300_000);
    await atSmokeScale('dni-15-', async (dir) => {
      const cfg = configure(TWO_CORES_SECTION);
      const before = tf.memory().numTensors;
      const first = await TWO_CORES_SECTION.run(cfg);
      assert.deepEqual(
        first.map((c) => `${c.method}/${c.workers}`),
        ['bprop/1', 'bprop/2', 'dni/1', 'dni/2', 'cdni/1', 'cdni/2'],
      );
      assert.ok(first.every((c) => c.run.history.length === cfg.run.steps && c.run.steps === cfg.run.steps));
      assert.equal(first[3].cuts.length, 1);
      const entries = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
      assert.equal(entries.length, 6);
      const stored = JSON.parse(fs.readFileSync(path.join(dir, entries[0]), 'utf8'));
      assert.deepEqual(Object.keys(stored.result.machine).sort(), ['cpuModel', 'cpus', 'node', 'note', 'otherCores']);
      assert.equal(stored.result.machine.cpus, os.cpus().length);
      const again = await TWO_CORES_SECTION.run(cfg);
      assert.deepEqual(again, first);
      assert.equal(tf.memory().numTensors, before);
      assert.equal(TWO_CORES_SECTION.claims(cfg, first).length, 5);
    });
  });
});
