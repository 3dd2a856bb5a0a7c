/**
 * Bad values a user can type are refused with the field named as the user wrote it: a negative
 * synthetic-gradient scale, more evaluation examples than the test set has, a sample of length 0,
 * and the character-level LM's batch, unroll and splits.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../lib/core/errors';
import { randomDataset } from '../lib/data/dataset';
import { buildVocab, encode } from '../lib/data/ptb';
import { gridConfig } from '../lib/experiments/grid';
import { override } from '../lib/experiments/preset';
import { TABLE2_PRESETS } from '../lib/experiments/sections/table2';
import { mnistFcn } from '../lib/networks/build';
import { StreamBatcher } from '../lib/runs/char-lm/streams';
import { trainCharLm } from '../lib/runs/train-char-lm';
import { train } from '../lib/runs/train-classifier';
import { recurrentSpec } from '../lib/trainers/recurrent-spec';

const onField = (field: string, message?: RegExp) => (e: unknown) =>
  e instanceof ConfigError && e.field === field && (!message || message.test(e.message));

function corpus(train: string, valid: string, test: string) {
  const vocab = buildVocab([...train, ...valid, ...test]);
  const enc = (s: string) => encode([...s], vocab, 'test');
  return { train: enc(train), valid: enc(valid), test: enc(test), vocab };
}

describe('bad values', () => {
  afterEach(() => tf.disposeVariables());

  it('a negative synthetic-gradient scale is refused, feed-forward and recurrent', () => {
    assert.throws(
      () => gridConfig(override(TABLE2_PRESETS.mnistFcn.smoke, { 'trainer.synthesizer.scale': -0.1 })),
      onField('run.trainer.synthesizer.scale', /-0.1/),
    );
    assert.throws(
      () => recurrentSpec({ inputs: 3, outputs: 3, T: 2, method: 'dni', synthesizer: { scale: -0.1 } }, 'trainer'),
      onField('trainer.synthesizer.scale'),
    );
  });

  it('more evaluation examples than the test set has are refused, naming evalExamples', async () => {
    const data = { train: randomDataset([784], 10, 32, 2, 'toy'), test: randomDataset([784], 10, 20, 3, 'toy') };
    const run = { trainer: { network: mnistFcn(3, 8), lambda: [1, 1] }, steps: 2, batchSize: 8, evalEvery: 2, evalExamples: 21 };
    await assert.rejects(train(run, data), onField('evalExamples', /is 21, but toy has 20 examples/));
    await assert.rejects(train(run, data, { trainerPath: 'run.trainer' }), onField('run.evalExamples'));
  });

  it("the char-LM's errors use the user's field names: generate[i].length, batchSize, trainer.T, the split", async () => {
    const c = corpus('abcabcabcabcabcabc', 'abcab', 'cab');
    const base = { trainer: { method: 'bptt' as const, T: 2, hidden: 4 }, steps: 2, batchSize: 2, evalEvery: 2 };
    await assert.rejects(
      trainCharLm({ ...base, generate: [{ prime: 'a', length: 0, temperature: 1, seed: 1 }] }, c),
      onField('generate[0].length', /positive integer/),
    );
    await assert.rejects(trainCharLm({ ...base, batchSize: 10 }, c), onField('batchSize', /training split/));
    await assert.rejects(trainCharLm(base, corpus('abcabcabcabc', 'abc', 'c')), /the test split has 1 symbols/);
    assert.throws(
      () => new StreamBatcher(c.train, 2, { batch: 'batchSize', T: 'trainer.T', corpus: 'training split' }).next(0),
      onField('trainer.T'),
    );
  });
});
