/**
 * The experiments layer: the method → spec map, grid configs validated once with named fields,
 * presets whose every cpu deviation has a reason, ablation overrides, and bad input a new user
 * would hit (class counts, input widths, λ below a cut, synthesizer depth, per-connection overrides).
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { mnistFcn } from '../lib/networks/build';
import type { Dataset } from '../lib/data/dataset';
import { ConfigError } from '../lib/core/errors';
import { cacheConfig, experimentSpec, inputFromCacheConfig } from '../lib/experiments/run-classifier';
import { type Claim, closeCells } from '../lib/experiments/claim';
import { budgetText, cellError, gapClosed, inputErrorAt, lastMean, stepsToReach } from '../lib/experiments/results';
import { table2Claims, table2SeedCells, underfittingClaims } from '../lib/experiments/sections/table2-claims';
import { sgQualityClaims, SINGLE_DNI_PRESET, singleDniClaims } from '../lib/experiments/sections/single-dni';
import { STALE_PRESET, staleClaims } from '../lib/experiments/sections/stale-gradients';
import { UPDATE_PROBABILITY_PRESET, updateProbabilityClaims } from '../lib/experiments/sections/update-probability';
import { UNLOCK_PRESET, unlockClaims } from '../lib/experiments/sections/complete-unlock';
import { charLmClaims } from '../lib/experiments/sections/penn-treebank';
import { TABLE2_PRESETS } from '../lib/experiments/sections/table2';
import { LAMBDA_PRESET } from '../lib/experiments/sections/bp-lambda';
import { SYNTH_DEPTH_PRESET } from '../lib/experiments/sections/synthesizer-depth';
import { methodColor, methodDash, METHOD_COLORS, UNLOCK_COLORS } from '../lib/notebook/colors';
import type { RunResult } from '../lib/runs/loop';
import type { CharLmResult } from '../lib/runs/train-char-lm';
import { cellSpec, gridConfig, type GridConfig, type GridRun } from '../lib/experiments/grid';
import { type MethodName, methodLabel, methodSpec, table2Method, usesSynthesizers } from '../lib/experiments/methods';
import { deviations, override, type Preset } from '../lib/experiments/preset';
import { SCALES } from '../lib/experiments/scale';
import { Rng } from '../lib/core/rng';
import { train } from '../lib/runs/train-classifier';
import { BPLambdaTrainer } from '../lib/trainers/bp-lambda';
import { bpLambdaSpec } from '../lib/trainers/spec';
import { errorRun as run } from './assert';

function throwsField(f: () => unknown, field: string, message?: RegExp): void {
  assert.throws(
    f,
    (e: unknown) => e instanceof ConfigError && e.field === field && (!message || message.test(e.message)),
    `expected a ConfigError on '${field}'`,
  );
}

function toyData(n: number, shape: number[], classes: number, labelMax = classes - 1): Dataset {
  const rng = new Rng(1);
  const d = shape.reduce((a, b) => a * b, 1);
  return {
    name: 'toy',
    x: Float32Array.from({ length: n * d }, () => rng.uniform()),
    y: Int32Array.from({ length: n }, () => rng.int(labelMax + 1)),
    n,
    shape,
    numClasses: classes,
  };
}

describe('experiments', () => {
  afterEach(() => tf.disposeVariables());

  it('one map from method names to λ and conditioning', () => {
    assert.deepEqual(methodSpec('nobprop', 4), { lambda: ['none', 'none', 'none'], synthesizer: { conditioned: false } });
    assert.deepEqual(methodSpec('bprop', 4).lambda, [1, 1, 1]);
    assert.deepEqual(methodSpec('dni', 4), { lambda: [0, 0, 0], synthesizer: { conditioned: false } });
    assert.deepEqual(methodSpec('cdni', 4), { lambda: [0, 0, 0], synthesizer: { conditioned: true } });
    assert.deepEqual(methodSpec('dni@2', 6).lambda, [1, 0, 1, 1, 1]);
    assert.deepEqual(methodSpec('cdni@1', 3), { lambda: [0, 1], synthesizer: { conditioned: true } });
    assert.deepEqual(methodSpec('nobprop@2', 6).lambda, ['none', 'none', 1, 1, 1]);
    assert.deepEqual(methodSpec('lambda=0.5', 3).lambda, [0.5, 0.5]);
    assert.deepEqual(methodSpec('dni@1-3', 6).lambda, [0, 0, 0, 1, 1]);
    assert.deepEqual(methodSpec('cdni@2-2', 4), { lambda: [1, 0, 1], synthesizer: { conditioned: true } });
    assert.equal(methodLabel('dni@1-3'), 'DNI on connections 1–3');
    assert.equal(methodLabel('dni@3'), 'DNI after layer 3');
    assert.equal(methodLabel('lambda=0'), 'DNI (λ = 0)');
    assert.equal(table2Method('lambda=1'), 'bprop');
    assert.equal(table2Method('dni@2'), null);
    throwsField(() => methodSpec('dnii', 4), 'method', /not a method/);
    throwsField(() => methodSpec('dni@4', 4), 'method', /connections 1..3/);
    throwsField(() => methodSpec('dni@1-4', 4), 'method', /connections 1..3/);
    throwsField(() => methodSpec('dni@3-1', 4), 'method', /lower to the higher/);
    throwsField(() => methodSpec('nobprop@1-2', 4), 'method', /not a method/);
    throwsField(() => methodSpec('lambda=2', 4), 'method', /\[0, 1\]/);
    assert.deepEqual(methodSpec('stale', 4), { lambda: [0, 0, 0], synthesizer: { conditioned: false, kind: 'ema' } });
    assert.deepEqual(methodSpec('stale@2', 4).lambda, [1, 0, 1]);
    assert.equal(methodLabel('stale'), 'Stale gradients');
    assert.deepEqual(methodSpec('cstale', 4), { lambda: [0, 0, 0], synthesizer: { conditioned: true, kind: 'ema' } });
    assert.equal(methodLabel('cstale'), 'Stale gradients per class');
    assert.equal(table2Method('cstale'), null);
    assert.equal(table2Method('stale'), null);
    // Complete unlock: every-layer DNI or cDNI with the paper's synthetic inputs.
    assert.deepEqual(methodSpec('dni+unlock', 4), {
      lambda: [0, 0, 0],
      synthesizer: { conditioned: false },
      syntheticInputs: { hiddenLayers: 1, width: 1024 },
    });
    assert.deepEqual(methodSpec('cdni+unlock', 3), {
      lambda: [0, 0],
      synthesizer: { conditioned: true },
      syntheticInputs: { hiddenLayers: 1, width: 1024 },
    });
    assert.ok(!('syntheticInputs' in methodSpec('dni', 4)));
    assert.equal(methodLabel('dni+unlock'), 'DNI, complete unlock');
    assert.equal(methodLabel('cdni+unlock'), 'cDNI, complete unlock');
    assert.equal(table2Method('cdni+unlock'), null);
    assert.ok(usesSynthesizers('dni+unlock'));
    for (const m of ['bprop+unlock', 'stale+unlock', 'dni@2+unlock', 'dni+unlocked'])
      throwsField(() => methodSpec(m, 4), 'method', /dni\+unlock, cdni\+unlock/);
    // Every mapped spec is a valid trainer spec (a cut leaves no λ > 0 below it).
    for (const m of [
      'nobprop',
      'bprop',
      'dni',
      'cdni',
      'dni@1',
      'cdni@3',
      'dni@1-4',
      'nobprop@1',
      'nobprop@3',
      'lambda=0.3',
      'stale',
      'stale@1',
      'dni+unlock',
      'cdni+unlock',
    ]) {
      bpLambdaSpec({ network: mnistFcn(5, 8), ...methodSpec(m, 5) });
    }
  });

  it('grid configs are validated once, naming the field, including each cell’s trainer and run', () => {
    const base = TABLE2_PRESETS.mnistFcn.smoke;
    assert.equal(gridConfig(base), base);
    throwsField(() => gridConfig({ ...base, famliy: 'x' } as unknown as GridConfig), 'famliy', /unknown field/);
    throwsField(() => gridConfig({ ...base, family: 'svhnFcn' } as unknown as GridConfig), 'family');
    throwsField(() => gridConfig({ ...base, depths: [3, 1] }), 'depths[1]');
    throwsField(() => gridConfig({ ...base, methods: ['dni', 'sgd'] } as unknown as GridConfig), 'methods[1]');
    throwsField(() => gridConfig(override(base, { 'run.stesp': 5 })), 'run.stesp');
    throwsField(() => gridConfig(override(base, { 'run.steps': 0 })), 'run.steps');
    throwsField(() => gridConfig(override(base, { 'trainer.synthesizer.width': -2 })), 'run.trainer.synthesizer.width');
    throwsField(() => gridConfig(override(base, { 'trainer.synthesizer.lossWeight': -1 })), 'run.trainer.synthesizer.lossWeight');
    throwsField(() => gridConfig(override(base, { 'trainer.synthesizer.scale': NaN })), 'run.trainer.synthesizer.scale');
    throwsField(() => gridConfig(override(base, { 'trainer.optimizer.lr': 0 })), 'run.trainer.optimizer.lr');
    throwsField(() => gridConfig(override(base, { 'methodSynthesizers.cdni.widht': 3 })), 'methodSynthesizers.cdni.widht');
    // Every synthesizer setting is reachable from a grid config (sgScale and the loss weight were not).
    const cell = cellSpec(
      gridConfig(override(base, { 'trainer.synthesizer.scale': 0.1, 'trainer.synthesizer.lossWeight': 0.5 })),
      3,
      'dni',
    );
    assert.equal(cell.run.trainer.synthesizer.scale, 0.1);
    assert.equal(cell.run.trainer.synthesizer.lossWeight, 0.5);
    assert.throws(() => override(base, { 'family.x': 1 }), /'family' is not an object/);
  });

  it("complete unlock in grids: the method turns it on, the grid's syntheticInputs shape it, '+unlock' synthesizer overrides apply on top of the base's", () => {
    const base = gridConfig({ ...TABLE2_PRESETS.mnistFcn.smoke, methods: ['dni', 'cdni', 'dni+unlock', 'cdni+unlock'] });
    assert.equal(cellSpec(base, 3, 'dni').run.trainer.syntheticInputs, null);
    assert.deepEqual(cellSpec(base, 3, 'dni+unlock').run.trainer.syntheticInputs, { hiddenLayers: 1, width: 1024 });
    const shaped = gridConfig({
      ...base,
      syntheticInputs: { width: 32 },
      methodSynthesizers: { cdni: { hiddenLayers: 0, width: 7 }, 'cdni+unlock': { hiddenLayers: 1 } },
    });
    const cell = cellSpec(shaped, 4, 'cdni+unlock').run.trainer;
    assert.deepEqual(cell.syntheticInputs, { hiddenLayers: 1, width: 32 });
    assert.deepEqual([cell.synthesizer.hiddenLayers, cell.synthesizer.width, cell.synthesizer.conditioned], [1, 7, true]);
    assert.equal(cellSpec(shaped, 4, 'cdni').run.trainer.synthesizer.hiddenLayers, 0);
    assert.equal(cellSpec(shaped, 4, 'cdni').run.trainer.syntheticInputs, null);
    throwsField(
      () => gridConfig({ ...base, trainer: { ...base.trainer, syntheticInputs: {} } } as GridConfig),
      'trainer.syntheticInputs',
      /dni\+unlock/,
    );
    throwsField(() => gridConfig({ ...base, syntheticInputs: { hiddenLayers: 3 } }), 'syntheticInputs.hiddenLayers');
    throwsField(() => gridConfig({ ...base, syntheticInputs: { widht: 3 } as never }), 'syntheticInputs.widht', /unknown field/);
    throwsField(
      () => gridConfig({ ...TABLE2_PRESETS.mnistCnn.smoke, methods: ['dni+unlock'] }),
      'run.trainer.syntheticInputs',
      /MNIST FCNs only/,
    );
  });

  it('every preset is valid at every scale, and every cpu deviation from the paper has a reason', () => {
    for (const preset of [...Object.values(TABLE2_PRESETS), LAMBDA_PRESET, SINGLE_DNI_PRESET, UNLOCK_PRESET]) {
      for (const s of SCALES) gridConfig(preset[s]);
      assert.ok(deviations(preset).length > 0);
    }
    for (const preset of [SYNTH_DEPTH_PRESET, STALE_PRESET, UPDATE_PROBABILITY_PRESET]) {
      for (const s of SCALES) gridConfig(preset[s].grid);
      assert.ok(deviations(preset as Preset<unknown>).length > 0);
    }
    const silent = { ...TABLE2_PRESETS.mnistFcn, why: {} };
    assert.throws(() => deviations(silent), /no reason given/);
  });

  it('the cache key ignores settings that cannot change a run (unused synthesizers, a linear one’s width)', () => {
    const base = TABLE2_PRESETS.mnistFcn.smoke;
    const key = (cfg: GridConfig, m: MethodName) => JSON.stringify(cacheConfig(cellSpec(gridConfig(cfg), 3, m)));
    const wider = override(base, { 'trainer.synthesizer.width': 64 });
    assert.equal(key(wider, 'bprop'), key(base, 'bprop'));
    assert.equal(key(wider, 'cdni'), key(base, 'cdni')); // cDNI's synthesizer is linear here
    assert.notEqual(key(wider, 'dni'), key(base, 'dni'));
  });

  it('options added later are left out of the cache key when off, so committed results keep their keys', () => {
    const base = TABLE2_PRESETS.mnistFcn.smoke;
    const cfg = (changes: Record<string, unknown>, m: MethodName = 'dni') =>
      cacheConfig(cellSpec(gridConfig(override(base, changes)), 3, m)) as {
        run: Record<string, unknown> & { trainer: Record<string, unknown> };
      };
    const key = (changes: Record<string, unknown>, m: MethodName = 'dni') => JSON.stringify(cfg(changes, m));
    assert.ok(!('measureSG' in cfg({}).run));
    assert.equal(key({ 'run.measureSG': false }), key({}));
    assert.equal(cfg({ 'run.measureSG': true }).run.measureSG, true);
    // An 'mlp' synthesizer's key has no decay; an 'ema' one's has it and no model shape.
    const synth = (changes: Record<string, unknown>, m: MethodName) =>
      (cfg(changes, m).run.trainer.synthesizers as Record<string, Record<string, unknown>>)['1'];
    assert.ok(!('decay' in synth({}, 'dni')));
    assert.equal(key({ 'trainer.synthesizer.decay': 0.5 }), key({}));
    assert.deepEqual(Object.keys(synth({}, 'stale')).sort(), [
      'conditioned',
      'decay',
      'kind',
      'lossReduction',
      'lossWeight',
      'scale',
      'targetUnits',
    ]);
    assert.notEqual(key({ 'trainer.synthesizer.decay': 0.5 }, 'stale'), key({}, 'stale'));
    assert.equal(key({ 'trainer.synthesizer.width': 3, 'trainer.synthesizer.hiddenLayers': 0 }, 'stale'), key({}, 'stale'));
    // p_update: absent at 1, present otherwise.
    assert.ok(!('updateProbability' in cfg({}).run.trainer));
    assert.equal(key({ 'trainer.updateProbability': 1 }), key({}));
    assert.equal(cfg({ 'trainer.updateProbability': 0.2 }).run.trainer.updateProbability, 0.2);
    // Frozen target copies: absent at 0 (off), present otherwise.
    assert.ok(!('targetRefresh' in cfg({}).run.trainer));
    assert.equal(key({ 'trainer.targetRefresh': 0 }), key({}));
    assert.equal(cfg({ 'trainer.targetRefresh': 50 }).run.trainer.targetRefresh, 50);
    // Complete unlock: absent when off, its shape when on (no width when linear), and a stored config resolves to the same key.
    for (const m of ['nobprop', 'bprop', 'dni', 'cdni', 'stale', 'lambda=0.5'] as MethodName[])
      assert.ok(!('syntheticInputs' in cfg({}, m).run.trainer), m);
    assert.deepEqual(cfg({}, 'dni+unlock').run.trainer.syntheticInputs, { hiddenLayers: 1, width: 1024 });
    assert.deepEqual(cfg({ syntheticInputs: { hiddenLayers: 0, width: 5 } }, 'dni+unlock').run.trainer.syntheticInputs, {
      hiddenLayers: 0,
    });
    assert.equal(
      key({ syntheticInputs: { hiddenLayers: 0, width: 5 } }, 'dni+unlock'),
      key({ syntheticInputs: { hiddenLayers: 0 } }, 'dni+unlock'),
    );
    assert.notEqual(key({ syntheticInputs: { width: 5 } }, 'dni+unlock'), key({}, 'dni+unlock'));
    for (const changes of [{}, { syntheticInputs: { hiddenLayers: 0 } }]) {
      const stored = cfg(changes, 'cdni+unlock');
      assert.equal(JSON.stringify(cacheConfig(experimentSpec(inputFromCacheConfig(stored as never)))), JSON.stringify(stored));
    }
  });

  it('bad input a new user would hit is reported naming the field, before training', async () => {
    const spec = { trainer: { network: mnistFcn(3, 8), lambda: [0, 0] }, steps: 2, batchSize: 4, trainEvalExamples: 0 };
    // A network with fewer classes than the data: labels past the count would be all-zero targets.
    await assert.rejects(
      train(
        { ...spec, trainer: { ...spec.trainer, network: { ...mnistFcn(3, 8), classes: 5 } } },
        { train: toyData(20, [784], 10), test: toyData(8, [784], 10) },
      ),
      (e: unknown) => e instanceof ConfigError && e.field === 'trainer.network.classes' && /10 classes/.test(e.message),
    );
    // Labels outside the declared classes.
    await assert.rejects(
      train(spec, { train: toyData(20, [784], 10, 12), test: toyData(8, [784], 10) }),
      (e: unknown) => e instanceof ConfigError && e.field === 'trainer.network.classes' && /labels in \[0, 1[0-2]\]/.test(e.message),
    );
    // An input width that differs from the data: named as network.input, not reported by the batcher.
    await assert.rejects(
      train(spec, { train: toyData(20, [700], 10), test: toyData(8, [700], 10) }),
      (e: unknown) => e instanceof ConfigError && e.field === 'trainer.network.input' && /700/.test(e.message),
    );
    // Three hidden layers in a synthesizer.
    throwsField(
      () => bpLambdaSpec({ ...spec.trainer, synthesizer: { hiddenLayers: 3 } }),
      'synthesizer.hiddenLayers',
      /0 \(linear\), 1 or 2/,
    );
    // λ > 0 right below a cut connection, which passes no gradient for it to mix in.
    throwsField(() => bpLambdaSpec({ network: mnistFcn(4, 8), lambda: [0.5, 'none', 1] }), 'lambda[0]', /connection 2 .* is 'none'/);
    bpLambdaSpec({ network: mnistFcn(4, 8), lambda: [0, 'none', 1] }); // DNI below a cut is allowed
    // Per-connection overrides: connection numbers and fields are checked.
    throwsField(() => bpLambdaSpec({ network: mnistFcn(3, 8), lambda: [0, 0], synthesizers: { '3': {} } }), 'synthesizers.3');
    throwsField(
      () => bpLambdaSpec({ network: mnistFcn(3, 8), lambda: [0, 0], synthesizers: { '1': { widht: 2 } as never } }),
      'synthesizers.1.widht',
    );
    throwsField(
      () => bpLambdaSpec({ network: mnistFcn(3, 8), lambda: [0, 0], synthesizers: { '2': { hiddenLayers: 5 } } }),
      'synthesizers.2.hiddenLayers',
    );
  });

  it('per-connection synthesizer overrides build different synthesizers per connection', () => {
    const t = new BPLambdaTrainer(
      bpLambdaSpec({
        network: mnistFcn(4, 8),
        lambda: [0, 0, 0],
        synthesizer: { hiddenLayers: 2, width: 6 },
        synthesizers: { '2': { hiddenLayers: 0, conditioned: true } },
      }),
    );
    assert.deepEqual(
      t.units.slice(0, 3).map((u) => u.synthesizer!.spec.hiddenLayers),
      [2, 0, 2],
    );
    assert.deepEqual(
      t.units.slice(0, 3).map((u) => u.synthesizer!.spec.conditioned),
      [false, true, false],
    );
    // Unit 2's linear synthesizer sees [h, onehot]: 8 + 10 inputs.
    assert.deepEqual(t.units[1].synthesizer!.params()[0].shape, [18, 8]);
    t.dispose();
  });

  describe('claims', () => {
    const grid = (runs: Record<string, [number[], number[]?]>): GridRun[] =>
      Object.entries(runs).map(([method, [test, train]]) => ({
        depth: 3,
        method: method as MethodName,
        name: methodLabel(method),
        run: run(test, train),
      }));
    const cfg = gridConfig({ ...TABLE2_PRESETS.mnistFcn.smoke, depths: [3] });

    it('judge on the mean of the last evaluations, not on one final point', () => {
      assert.equal(lastMean(run([50, 10, 12, 14])), 12);
      // A metric the run did not measure (trainEvalExamples 0) is NaN, cached as null: no number, never 0.
      const unmeasured = run([50, 10, 12, 14]);
      const cached: RunResult = JSON.parse(
        JSON.stringify({ ...unmeasured, history: unmeasured.history.map((h) => ({ ...h, trainError: NaN })) }),
      );
      assert.ok(Number.isNaN(lastMean(cached, 'trainError')), 'an unmeasured training error is NaN');
      assert.equal(lastMean(cached), 12);
      // DNI's last point dips below No Bprop's; the mean of its last three does not, by less than
      // those three evaluations' own range (6 points): not testable. A steadier DNI is judged.
      const claim = (dni: number[]) =>
        table2Claims(cfg, grid({ nobprop: [[20, 20, 20, 20]], bprop: [[2, 2, 2, 2]], dni: [dni], cdni: [[3, 3, 3, 3]] }));
      const dniWorks = (cs: Claim[]) => cs.find((c) => c.claim.startsWith('DNI beats No Bprop'))!.verdict;
      assert.equal(dniWorks(claim([25, 25, 25, 19])), 'not testable at this budget');
      assert.equal(dniWorks(claim([25, 25, 25, 24])), 'not shown');
      assert.equal(dniWorks(claim([25, 15, 15, 15])), 'shown');
      assert.equal(claim([25, 25, 25, 19]).find((c) => c.claim.startsWith('cDNI helps the deeper'))!.verdict, 'shown');
    });

    it('underfitting is not testable before backprop generalises worse than it fits on the whole sets, and judged after', () => {
      const full = gridConfig({ ...cfg, run: { ...cfg.run, trainEvalExamples: 60_000 } });
      const early = underfittingClaims(
        full,
        grid({
          bprop: [
            [10, 10, 10],
            [9.8, 9.8, 9.8],
          ],
          dni: [
            [20, 20, 20],
            [19.9, 19.9, 19.9],
          ],
          cdni: [
            [15, 15, 15],
            [15, 15, 15],
          ],
        }),
      );
      assert.deepEqual(
        early.map((c) => c.verdict),
        ['not testable at this budget', 'not testable at this budget'],
      );
      const lateRuns = grid({
        bprop: [
          [10, 10, 10],
          [2, 2, 2],
        ],
        dni: [
          [20, 20, 20],
          [15, 15, 15],
        ],
        cdni: [
          [15, 15, 15],
          [8, 8, 8],
        ],
      });
      assert.deepEqual(
        underfittingClaims(full, lateRuns).map((c) => c.verdict),
        ['shown', 'shown'],
      );
      // The same runs with the training error read on 2,000 images only: the gate cannot be read.
      const part = gridConfig({ ...cfg, run: { ...cfg.run, trainEvalExamples: 2_000 } });
      assert.deepEqual(
        underfittingClaims(part, lateRuns).map((c) => c.verdict),
        ['not testable at this budget', 'not testable at this budget'],
      );
      assert.match(underfittingClaims(part, lateRuns)[0].evidence, /on 2,000 of 60,000 training images/);
      const overfits = underfittingClaims(
        full,
        grid({
          bprop: [
            [10, 10, 10],
            [2, 2, 2],
          ],
          dni: [
            [20, 20, 20],
            [3, 3, 3],
          ],
          cdni: [
            [15, 15, 15],
            [4, 4, 4],
          ],
        }),
      );
      assert.deepEqual(
        overfits.map((c) => c.verdict),
        ['not shown', 'not shown'],
      );
    });

    it('close calls get more seeds, and a cell is judged on the mean of its seeds', () => {
      // cDNI 0.3 points from Bprop against a 0.5 tolerance: a close call; DNI vs No Bprop (5 points) is not.
      const runs = grid({ nobprop: [[20, 20, 20]], bprop: [[2, 2, 2]], dni: [[15, 15, 15]], cdni: [[2.3, 2.3, 2.3]] });
      const first = table2Claims(cfg, runs);
      assert.equal(first.find((c) => c.claim.startsWith('cDNI is close to backprop'))!.verdict, 'shown');
      const close = table2SeedCells(cfg, runs);
      assert.deepEqual(close.map((c) => `${c.depth}/${c.method}`).sort(), ['3/bprop', '3/cdni']);
      assert.ok(!close.some((c) => c.method === 'nobprop' || c.method === 'dni'));
      // Two more cDNI seeds at 3.5%: the mean (3.1%) is 1.1 points from Bprop, past the tolerance.
      const more: GridRun[] = [2, 3].map((seed) => ({ depth: 3, method: 'cdni', name: 'cDNI', run: run([3.5, 3.5, 3.5]), seed }));
      assert.equal(cellError([...runs, ...more], 3, 'cdni').toFixed(2), '3.10');
      const after = table2Claims(cfg, [...runs, ...more]);
      const c = after.find((x) => x.claim.startsWith('cDNI is close to backprop'))!;
      // 1.1 points from Bprop, 0.6 past the tolerance, but the seeds span 1.2 points: not testable.
      assert.equal(c.verdict, 'not testable at this budget');
      assert.match(c.evidence, /cDNI 3\.10% \(2\.30–3\.50, 3 seeds\)/);
    });

    it('Figure 11 and 12 claims: a single DNI against the cut, by position, and the synthetic gradient against the true one', () => {
      const cfg6 = gridConfig(SINGLE_DNI_PRESET.smoke);
      // Errors (%) per method; DNI after p: 2 + p/2, the cut: 3 + 4p; DNI on 1..p: 2 + p; cDNI on 1..p: 2 + p/10.
      const e = (m: string): number => {
        const x = /@(\d+)(?:-(\d+))?$/.exec(m);
        const p = x ? Number(x[2] ?? x[1]) : 0;
        return m === 'bprop'
          ? 1.8
          : m.startsWith('dni@1-')
            ? 2 + p
            : m.startsWith('cdni@')
              ? 2 + p / 10
              : m.startsWith('dni@')
                ? 2 + p / 2
                : 3 + 4 * p;
      };
      const DIST = [1, 5, 4, 3, 2];
      const REL = [1, 1.2, 0.8, 0.7, 0.65];
      const withSeries = (r: RunResult, p: number, cos: number[], dist = DIST, rel = REL): RunResult => {
        const at = (v: number) => [1, 2, 3, 4, 5].map((k) => (k === p ? v : NaN));
        const series = (i: number) => ({
          sgDistance: at(dist[i]),
          sgCosine: at(cos[i]),
          sgSignError: [0.4, 0.4, 0.4, 0.4, 0.4],
          sgTrueNorm: at(2 * dist[i]),
          sgRelError: at(rel[i]),
          sgUpdateCosine: at([0.1, 0.3, 0.4, 0.45, 0.5][i]),
        });
        const history = r.history.map((h, i) => ({ ...h, series: series(i) }));
        return { ...r, history, final: history[history.length - 1] };
      };
      const runs: GridRun[] = cfg6.methods.map((m) => {
        const p = Number(/^dni@(\d+)$/.exec(m)?.[1] ?? 0);
        const base = run([e(m), e(m), e(m), e(m), e(m)]);
        return { depth: 6, method: m, name: methodLabel(m), run: p ? withSeries(base, p, [0, 0.1, 0.2, 0.15, 0.1]) : base };
      });
      const claims = singleDniClaims(cfg6, runs);
      assert.deepEqual(
        claims.map((c) => c.verdict),
        ['shown', 'shown', 'not shown', 'shown', 'shown'],
      );
      // The cut at p = 1 (7%) now beats the DNI there (9%): claim 1 fails, and it is no close call.
      const worse = runs.map((r) =>
        r.method === 'dni@1' ? { ...r, run: withSeries(run([9, 9, 9, 9, 9]), 1, [0, 0.1, 0.2, 0.15, 0.1]) } : r,
      );
      const c2 = singleDniClaims(cfg6, worse);
      assert.equal(c2[0].verdict, 'not shown');
      assert.ok(!closeCells([c2[0]]).some((c) => c.method === 'dni@1'));
      // DNI after layer 1 at 2.5% against Bprop 1.8%: 0.2 points past the 0.5 tolerance, a close call.
      assert.deepEqual(
        closeCells([claims[2]])
          .map((c) => c.method)
          .sort(),
        ['bprop', 'dni@1'],
      );
      const q = sgQualityClaims(cfg6, runs);
      assert.deepEqual(
        q.map((c) => c.verdict),
        ['shown', 'shown', 'shown', 'shown', 'shown'],
      );
      assert.match(q[0].evidence, /p = 1: first 1\.000, peak at evaluation 2 of 5, last 3\.000/);
      assert.match(q[1].evidence, /p = 1: relative error 1\.200 → 0\.717 \(L2 distance 1\.000 → 3\.000, ‖t‖ 2\.000 → 6\.000\)/);
      // The distance falling from the first evaluation is no observed jump (not testable), and a
      // relative error that stays at 1 (a falling distance only tracking a shrinking ‖t‖) is no fit.
      const flat = runs.map((r) => {
        const p = Number(/^dni@(\d+)$/.exec(r.method)?.[1] ?? 0);
        return p ? { ...r, run: withSeries(r.run, p, [0, 0.1, 0.2, 0.15, 0.1], [5, 4, 3, 2, 1], [1, 1, 1, 1, 1]) } : r;
      });
      assert.deepEqual(
        sgQualityClaims(cfg6, flat)
          .slice(0, 2)
          .map((c) => c.verdict),
        ['not testable at this budget', 'not shown'],
      );
      // Falling, but still above 1: worse than a zero synthetic gradient, so no fit either.
      const above = runs.map((r) => {
        const p = Number(/^dni@(\d+)$/.exec(r.method)?.[1] ?? 0);
        return p ? { ...r, run: withSeries(r.run, p, [0, 0.1, 0.2, 0.15, 0.1], DIST, [1.2, 1.1, 1.05, 1.05, 1.05]) } : r;
      });
      assert.equal(sgQualityClaims(cfg6, above)[1].verdict, 'not shown');
      // Without measurements the claims cannot be judged.
      const bare = runs.map((r) => ({ ...r, run: run([e(r.method), e(r.method), e(r.method)]) }));
      assert.equal(sgQualityClaims(cfg6, bare)[0].verdict, 'not testable at this budget');
    });

    it('stale gradients against No Bprop and cDNI, and training at a low update probability', () => {
      const cfg3 = gridConfig(STALE_PRESET.smoke.grid);
      const g = (errs: Record<string, number[]>): GridRun[] =>
        Object.entries(errs).flatMap(([m, byDepth]) =>
          cfg3.depths.map((d, i) => ({
            depth: d,
            method: m as MethodName,
            name: methodLabel(m),
            run: run([byDepth[i], byDepth[i], byDepth[i]]),
          })),
        );
      // As the paper: stale a little below No Bprop, far above cDNI.
      // The per-class reading at 3.0 / 2.5: well below No Bprop, and close to cDNI (the second claim fails for it).
      const paperLike = staleClaims(cfg3, g({ nobprop: [9.3, 12.6], stale: [9.1, 11.8], cstale: [3.0, 2.5], cdni: [2.2, 1.9] }));
      assert.deepEqual(
        paperLike.map((c) => c.verdict),
        ['shown', 'shown', 'shown', 'not shown'],
      );
      assert.deepEqual(
        paperLike.map((c) => c.claim.split('; reading: ')[1]),
        [
          'the batch mean, one average for every example',
          'the batch mean, one average for every example',
          'one average per class',
          'one average per class',
        ],
      );
      // Both calls at 3 layers are within a point of their thresholds (0.2 below No Bprop; 0.25 past half the gap at 4 layers is not).
      assert.deepEqual(
        closeCells([paperLike[0]])
          .map((c) => `${c.depth}/${c.method}`)
          .sort(),
        ['3/nobprop', '3/stale', '4/nobprop', '4/stale'],
      );
      // Stale as good as cDNI: the second claim fails.
      assert.equal(staleClaims(cfg3, g({ nobprop: [9.3, 12.6], stale: [2.5, 2.5], cdni: [2.2, 1.9] }))[1].verdict, 'not shown');
      // Against Bprop at the same p_update: DNI closes 54% of the gap at p = 1 and 42% at 0.2 (≥ 27%: shown);
      // cDNI 96% at p = 1 and 30% at 0.05 (below 48%: not shown).
      const pt = (method: string, p: number, error: number) => ({ method, p, error, spread: 0.1 });
      const pts = [
        pt('nobprop', 1, 15),
        pt('bprop', 1, 2),
        pt('bprop', 0.2, 3),
        pt('bprop', 0.05, 5),
        pt('dni', 1, 8),
        pt('dni', 0.2, 10),
        pt('cdni', 1, 2.5),
        pt('cdni', 0.05, 12),
      ];
      assert.deepEqual(
        updateProbabilityClaims(pts).map((c) => c.verdict),
        ['shown', 'not shown'],
      );
      assert.match(updateProbabilityClaims(pts)[1].evidence, /cDNI 12\.00% and Bprop 5\.00% at p = 0\.05 \(share of the gap closed 30%\)/);
      // Within the spread of the runs: not testable.
      assert.equal(updateProbabilityClaims(pts.map((x) => ({ ...x, spread: 3 })))[0].verdict, 'not testable at this budget');
      assert.equal(
        updateProbabilityClaims(pts.filter((x) => !(x.method === 'bprop' && x.p === 0.05)))[1].verdict,
        'not testable at this budget',
      );
    });

    it('complete unlock: steps to reach an error, and the claims', () => {
      assert.equal(stepsToReach(run([10, 5, 2.9, 3.5]), 3), 300);
      assert.equal(stepsToReach(run([10, 5, 4]), 3), null);
      const cfgU = gridConfig(UNLOCK_PRESET.smoke);
      const withInputs = (r: RunResult, losses: number[]): RunResult => {
        const history = r.history.map((h, i) => ({ ...h, series: { inputLoss: [NaN, losses[i], losses[i]] } }));
        return { ...r, history, final: history[history.length - 1] };
      };
      const runs: GridRun[] = [
        { depth: 3, method: 'bprop', name: 'Bprop', run: run([5, 1.8, 1.8, 1.8]) },
        { depth: 3, method: 'cdni', name: 'cDNI', run: run([6, 2.5, 2.0, 1.9]) },
        { depth: 3, method: 'cdni+unlock', name: 'cDNI, complete unlock', run: withInputs(run([9, 2.9, 2.8, 2.85]), [100, 60, 40, 30]) },
      ];
      assert.deepEqual(inputErrorAt(runs[2].run, 2, 10, 5), [2, 1.2, 0.8, 0.6]);
      // cDNI, complete unlock 1.05 points above Bprop (tolerance 0.5, spread 0.1): not shown. Both reach 2.8%
      // (the higher of their lowest errors), at steps 300 and 200: a full evaluation later, shown.
      const claims = unlockClaims(cfgU, runs);
      assert.deepEqual(
        claims.map((c) => c.verdict),
        ['not shown', 'shown', 'shown'],
      );
      assert.match(claims[1].evidence, /at 2\.80% test error: with synthetic inputs step 300; without: step 200/);
      // Reached at the same evaluation: a tie, not testable.
      const same = runs.map((r) => (r.method === 'cdni' ? { ...r, run: run([6, 3, 2.8, 1.9]) } : r));
      assert.equal(unlockClaims(cfgU, same)[1].verdict, 'not testable at this budget');
    });

    it("Penn Treebank claims: DNI against BPTT, and DNI+Aux against DNI, by test BPC against the runs' spread", () => {
      const cell = (method: 'bptt' | 'dni' | 'dniAux', T: number, testBpc: number, seed = 0) => ({
        method,
        T,
        seed,
        run: { testBpc, history: [0.02, 0, 0.01].map((x) => ({ validBpc: testBpc + x })) } as unknown as CharLmResult,
      });
      const shown = charLmClaims([
        cell('bptt', 2, 2.1),
        cell('dni', 2, 2.05),
        cell('dniAux', 2, 2.0),
        cell('bptt', 4, 2.0),
        cell('dni', 4, 1.95),
        cell('dniAux', 4, 1.9),
      ]);
      assert.deepEqual(
        shown.map((c) => c.verdict),
        ['shown', 'shown'],
      );
      const mixed = charLmClaims([cell('bptt', 2, 2.1), cell('dni', 2, 2.2), cell('dniAux', 2, 2.195)]);
      assert.deepEqual(
        mixed.map((c) => c.verdict),
        ['not shown', 'not testable at this budget'],
      );
      // Two seeds: the cell is their mean and the spread their range, which here swallows a 0.05 lead.
      const seeds = charLmClaims([cell('bptt', 2, 2.1), cell('bptt', 2, 2.2, 1), cell('dni', 2, 2.05), cell('dni', 2, 2.15, 1)]);
      assert.equal(seeds[0].verdict, 'not testable at this budget');
      assert.match(seeds[0].evidence, /T = 2: DNI 2\.100, BPTT 2\.150 \(spread 0\.100\)/);
      const apart = charLmClaims([cell('bptt', 2, 2.3), cell('bptt', 2, 2.35, 1), cell('dni', 2, 2.05), cell('dni', 2, 2.1, 1)]);
      assert.equal(apart[0].verdict, 'shown');
    });

    it('gap closed and budgets in epochs', () => {
      assert.equal(gapClosed(20, 2, 2), 100);
      assert.equal(gapClosed(20, 2, 20), 0);
      assert.equal(gapClosed(21.4, 1.8, 4.3).toFixed(0), '87');
      assert.deepEqual(budgetText(gridConfig(TABLE2_PRESETS.mnistFcn.cpu)), {
        ours: '1000 steps, 4.27 epochs',
        paper: '500k steps, 2133 epochs',
      });
    });

    it('one colour per method, whatever the variant', () => {
      assert.equal(methodColor('dni'), METHOD_COLORS.dni);
      assert.equal(methodColor('dni@3'), METHOD_COLORS.dni);
      assert.equal(methodColor('lambda=0'), METHOD_COLORS.dni);
      assert.equal(methodColor('lambda=1'), METHOD_COLORS.bprop);
      assert.notEqual(methodColor('lambda=0.25'), methodColor('lambda=0.75'));
      assert.equal(methodColor('stale@2'), METHOD_COLORS.stale);
      assert.equal(new Set(Object.values(METHOD_COLORS)).size, Object.keys(METHOD_COLORS).length);
      // Complete unlock: its method's family, darker, and dashed.
      assert.equal(methodColor('dni+unlock'), UNLOCK_COLORS.dni);
      assert.equal(methodColor('cdni+unlock'), UNLOCK_COLORS.cdni);
      assert.equal(methodColor('cstale'), METHOD_COLORS.cstale);
      assert.equal(new Set([...Object.values(METHOD_COLORS), ...Object.values(UNLOCK_COLORS)]).size, 8);
      assert.equal(methodDash('cdni+unlock'), 'dash');
      assert.equal(methodDash('cdni'), undefined);
    });
  });
});
