/**
 * Ablation overrides by dotted path are checked: no path reaches Object.prototype, a misspelt
 * field is refused naming the path, the fields at that level and the nearest one, and a value of
 * the wrong kind names the field and the kind expected.
 */
import { strict as assert } from 'node:assert';
import { ConfigError } from '../lib/core/errors';
import { gridConfig } from '../lib/experiments/grid';
import { override } from '../lib/experiments/preset';
import { configure } from '../lib/experiments/section';
import { COPY_SECTION } from '../lib/experiments/sections/copy-repeat-copy';
import { PTB_SECTION } from '../lib/experiments/sections/penn-treebank';
import { STALE_SECTION } from '../lib/experiments/sections/stale-gradients';
import { SYNTH_DEPTH_SECTION } from '../lib/experiments/sections/synthesizer-depth';
import { TABLE2_PRESETS, TABLE2_SECTIONS } from '../lib/experiments/sections/table2';

function refused(f: () => unknown, field: string, message: RegExp): void {
  assert.throws(
    f,
    (e: unknown) => e instanceof ConfigError && e.field === field && message.test(e.message),
    `expected a ConfigError on '${field}' matching ${message}`,
  );
}

describe('overrides', () => {
  it('refuse __proto__, constructor and prototype, and leave Object.prototype alone', () => {
    const grid = TABLE2_PRESETS.mnistFcn.smoke;
    refused(() => override(grid, { '__proto__.polluted': 'yes' }), '__proto__', /not a config field/);
    refused(() => override(grid, { 'trainer.constructor.prototype.polluted': 'yes' }), 'trainer.constructor', /not a config field/);
    refused(() => override(grid, { 'run.prototype': 1 }), 'run.prototype', /not a config field/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('refuse a misspelt path naming it, the fields at that level and the nearest match', () => {
    refused(() => configure(COPY_SECTION, { Tss: [2] }), 'Tss', /did you mean 'Ts'\?.*kinds, methods, Ts, seeds, tag, run/);
    refused(() => configure(PTB_SECTION, { Tz: [2] }), 'Tz', /did you mean 'Ts'\?/);
    refused(() => configure(TABLE2_SECTIONS.mnistFcn, { method: ['dni'] }), 'method', /did you mean 'methods'\?/);
    refused(() => configure(STALE_SECTION, { decay: [0.5] }), 'decay', /did you mean 'decays'\?/);
    refused(
      () => configure(TABLE2_SECTIONS.mnistFcn, { 'trainer.synthesizer.widht': 8 }),
      'trainer.synthesizer.widht',
      /of 'trainer.synthesizer' \(did you mean 'trainer.synthesizer.width'\?\)/,
    );
    refused(() => configure(COPY_SECTION, { 'run.trainer.hiden': 8 }), 'run.trainer.hiden', /did you mean 'run.trainer.hidden'\?/);
  });

  it('refuse a value of the wrong kind, naming the field and the kind', () => {
    refused(() => configure(COPY_SECTION, { Ts: 4 }), 'Ts', /must be an array \(as \[[0-9,]+\]\), got 4/);
    refused(() => configure(TABLE2_SECTIONS.mnistFcn, { 'run.steps': '30' }), 'run.steps', /must be a number/);
    refused(() => configure(TABLE2_SECTIONS.mnistFcn, { 'trainer.optimizer': 3 }), 'trainer.optimizer', /must be an object/);
  });

  it('still take every field a config may have, present or optional', () => {
    const grid = TABLE2_PRESETS.mnistFcn.smoke;
    const c = gridConfig(
      override(grid, {
        validation: true,
        'run.measureSG': true,
        'trainer.synthesizer.decay': 0.5,
        'trainer.targetRefresh': 10,
        'methodSynthesizers.dni.hiddenLayers': 0,
        'trainer.synthesizers.2.width': 8,
      }),
    );
    assert.equal(c.validation, true);
    assert.equal(c.methodSynthesizers.dni?.hiddenLayers, 0);
    configure(SYNTH_DEPTH_SECTION, { 'grid.depths': [3], 'grid.trainer.synthesizer.targetUnits': 'batchMean' });
    configure(COPY_SECTION, { Ts: [3], 'run.trainer.clipNorm': 1, 'run.stopAfter': 2 });
    configure(PTB_SECTION, { 'run.patience': 1, 'run.trainer.synthesizer.scale': 0.5 });
  });
});
