/**
 * Tests for three one-line bugs the rest of the suite let through when planted: a CNN
 * synthesizer whose last convolution is not zero-initialised, a data-file check that compares
 * sizes only, and gradient clipping in the recurrent trainer that never clips (min ↔ max).
 */
import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../lib/core/rng';
import { ARCHIVES } from '../lib/data/archives';
import { fileMatches } from '../lib/data/checksum';
import { missingFiles } from '../lib/data/fetch';
import { SYNTHESIZER_DEFAULTS } from '../lib/synthesizers/spec';
import { Synthesizer } from '../lib/synthesizers/synthesizer';
import { copyBatch, copyInputs, disposeSequenceBatch } from '../lib/tasks/copy';
import { RecurrentTrainer } from '../lib/trainers/recurrent';
import { recurrentSpec } from '../lib/trainers/recurrent-spec';
import { maxAbs } from './assert';

describe('bugs the suite once let through', () => {
  afterEach(() => tf.disposeVariables());

  it('a fresh synthesizer outputs exactly 0, CNN (conv) and FCN, conditioned or not (paper D.1)', () => {
    const rng = new Rng(4);
    for (const [shape, conditioned] of [
      [[6, 6, 3], false],
      [[6, 6, 3], true],
      [[12], false],
    ] as const) {
      for (const hiddenLayers of [0, 1, 2]) {
        const s = new Synthesizer(
          [...shape],
          { ...SYNTHESIZER_DEFAULTS, hiddenLayers, width: 4, kernel: 3, conditioned },
          10,
          rng,
          'fresh',
        );
        const h = tf.randomNormal([5, ...shape], 0, 3, 'float32', 1);
        const labels = tf.tensor1d([0, 3, 9, 1, 2], 'int32');
        const { out } = s.forward(h, conditioned ? labels : null, 'train');
        assert.deepEqual(out.shape, [5, ...shape]);
        assert.equal(maxAbs(out), 0, `[${shape}], ${hiddenLayers} hidden layers${conditioned ? ', conditioned' : ''}`);
        tf.dispose([h, labels, out]);
      }
    }
  });

  it('a data file of the right size and wrong content does not match, and the md5 check of the downloader does not skip it', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dni-filematch-'));
    try {
      const good = Buffer.from('the right content\n');
      const file = path.join(root, 'f.txt');
      fs.writeFileSync(file, good);
      const spec = { bytes: good.length, md5: crypto.createHash('md5').update(good).digest('hex') };
      assert.equal(fileMatches(file, spec), true);
      fs.writeFileSync(file, Buffer.from('the wrong content\n'));
      assert.equal(fs.statSync(file).size, spec.bytes, 'same size');
      assert.equal(fileMatches(file, spec), false, 'same size, other bytes');
      // Every PTB file present at its size with the wrong bytes: the size check passes them, md5 lists them all.
      const ptb = ARCHIVES.ptb;
      fs.mkdirSync(path.join(root, ptb.folder));
      for (const [f, s] of Object.entries(ptb.files)) fs.writeFileSync(path.join(root, ptb.folder, f), Buffer.alloc(s.bytes, 120));
      assert.deepEqual(missingFiles('ptb', root, 'size'), []);
      assert.deepEqual(missingFiles('ptb', root, 'md5').sort(), Object.keys(ptb.files).sort());
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("the recurrent trainer's clipNorm: a huge one equals no clipping, a small one bounds the update", () => {
    // One chunk (T: 'full'), so one θ update. Adam with β1 = β2 = 0 and ε far above |g|: the first update is lr·g/(|g| + ε) ≈ g (lr = ε), the clipped gradient itself.
    const step = (clipNorm: number): Float32Array[] => {
      const spec = recurrentSpec({
        inputs: copyInputs('copy'),
        outputs: 8,
        T: 'full',
        method: 'bptt',
        hidden: 6,
        clipNorm,
        optimizer: { lr: 1e6, eps: 1e6, beta1: 0, beta2: 0 },
        seed: 3,
      });
      const t = new RecurrentTrainer(spec);
      const before = t.params().map((p) => (p.dataSync() as Float32Array).slice());
      const b = copyBatch('copy', { N: 3, R: 1 }, 4, new Rng(5));
      t.step(b);
      disposeSequenceBatch(b);
      const delta = t.params().map((p, i) => Float32Array.from(p.dataSync(), (v, j) => v - before[i][j]));
      t.dispose();
      return delta;
    };
    const norm = (d: Float32Array[]) => Math.sqrt(d.reduce((s, a) => s + a.reduce((q, v) => q + v * v, 0), 0));
    const off = step(0);
    assert.ok(norm(off) > 0.05, `the unclipped update is ${norm(off)}`);
    assert.deepEqual(step(1e30), off, 'a clipNorm far above the gradient changes nothing');
    const small = norm(step(0.01));
    assert.ok(small <= 0.01 * 1.001 && small > 0.0099, `clipNorm 0.01: update of norm ${small}`);
  });
});
