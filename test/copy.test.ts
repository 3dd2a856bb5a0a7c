/** Copy and Repeat Copy generators, the error in bits, and the curriculum (lib/tasks/). */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../lib/core/errors';
import { refBitLoss } from '../lib/trainers/reference';
import { Rng } from '../lib/core/rng';
import { bitsError, boundaryCrossings, copyArrays, copyBatch, copyInputs, copyLength, CopyStream, timeDependency } from '../lib/tasks/copy';
import { Curriculum, curriculumSpec } from '../lib/tasks/curriculum';
import { bitLoss } from '../lib/tasks/sequence';
import { assertClose } from './assert';

/** Row t, sequence b, channel j of a time-major [L, B, C] array. */
const at = (a: Float32Array, B: number, C: number) => (t: number, b: number, j: number) => a[(t * B + b) * C + j];

describe('Copy and Repeat Copy', () => {
  it('Copy, N = 3: the pattern, then the delimiter, then the pattern is the target of the output phase', () => {
    const B = 4;
    const a = copyArrays('copy', { N: 3, R: 1 }, B, new Rng(1));
    assert.equal(a.L, 7);
    assert.equal(copyLength({ N: 3, R: 1 }), 7);
    const x = at(a.x, B, 9);
    const y = at(a.y, B, 8);
    let ones = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < 7; t++) {
        assert.equal(x(t, b, 8), t === 3 ? 1 : 0, `delimiter at t = ${t}`);
        assert.equal(a.mask[t * B + b], t >= 4 ? 1 : 0, `mask at t = ${t}`);
        for (let j = 0; j < 8; j++) {
          if (t < 3) {
            assert.ok(x(t, b, j) === 0 || x(t, b, j) === 1);
            assert.equal(y(t, b, j), 0);
            ones += x(t, b, j);
          } else if (t === 3) {
            assert.equal(x(t, b, j), 0);
          } else {
            assert.equal(x(t, b, j), 0, 'no input in the output phase');
            assert.equal(y(t, b, j), x(t - 4, b, j), `target t = ${t} bit ${j} copies input t = ${t - 4}`);
          }
        }
      }
    }
    // 96 fair bits: not all equal.
    assert.ok(ones > 20 && ones < 76, `${ones} ones of 96`);
  });

  it('Repeat Copy, N = 2, R = 3: the count R/10 beside the delimiter, the pattern three times', () => {
    const B = 3;
    const a = copyArrays('repeatCopy', { N: 2, R: 3 }, B, new Rng(2));
    assert.equal(copyInputs('repeatCopy'), 10);
    assert.equal(a.L, 2 + 1 + 6);
    const x = at(a.x, B, 10);
    const y = at(a.y, B, 8);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < a.L; t++) {
        assert.equal(x(t, b, 8), t === 2 ? 1 : 0);
        assert.ok(Math.abs(x(t, b, 9) - (t === 2 ? 0.3 : 0)) < 1e-7, `count at t = ${t}`);
        assert.equal(a.mask[t * B + b], t >= 3 ? 1 : 0);
        for (let j = 0; j < 8; j++) if (t >= 3) assert.equal(y(t, b, j), x((t - 3) % 2, b, j));
      }
    }
    assert.equal(timeDependency('repeatCopy', { N: 2, R: 3 }), 6);
    assert.equal(timeDependency('copy', { N: 5, R: 1 }), 5);
  });

  it('a stream is seeded: the same seed gives the same batches, another seed other ones', () => {
    const read = (seed: number) => {
      const s = new CopyStream('copy', 5, seed);
      const out = [1, 2].map((N) => {
        const b = s.next({ N, R: 1 });
        const v = Array.from(b.x.dataSync());
        tf.dispose([b.x, b.y, b.mask]);
        return v;
      });
      assert.equal(s.samples, 10);
      return out;
    };
    assert.deepEqual(read(3), read(3));
    assert.notDeepEqual(read(3), read(4));
    assert.throws(() => copyArrays('copy', { N: 2, R: 2 }, 1, new Rng(0)), /R must be 1 for Copy/);
  });

  it('the error in bits on a hand-computed case: p = ½ costs 1 bit a bit; p = ¾ costs log₂(4/3) when right, 2 when wrong', () => {
    // Copy, N = 1, two sequences: one output step (t = 2) with 8 bits each.
    const B = 2;
    const L = 3;
    const y = new Float32Array(L * B * 8);
    const mask = new Float32Array(L * B);
    const logits = new Float32Array(L * B * 8).fill(50); // unmasked steps must not count
    mask[2 * B + 0] = mask[2 * B + 1] = 1;
    for (let j = 0; j < 8; j++) {
      logits[(2 * B + 0) * 8 + j] = 0; // sequence 0: p = ½ on every bit
      logits[(2 * B + 1) * 8 + j] = Math.log(3); // sequence 1: p = ¾ on every bit
      y[(2 * B + 1) * 8 + j] = j < 4 ? 1 : 0; // right on 4 bits, wrong on 4
    }
    const expected = (8 + (4 * Math.log2(4 / 3) + 4 * 2)) / 2; // = 8.830075…
    assert.ok(Math.abs(expected - 8.830075) < 1e-6);
    assert.ok(Math.abs(bitsError(logits, y, mask, B) - expected) < 1e-6, 'float32 logits: ln 3 is rounded');
    const r = tf.tidy(() => {
      const l = bitLoss(tf.tensor2d(logits, [L * B, 8]), tf.tensor2d(y, [L * B, 8]), tf.tensor1d(mask), B);
      return [tf.div(l.loss, Math.LN2), l.wrong];
    });
    assert.ok(Math.abs(r[0].dataSync()[0] - expected) < 1e-4, `bitLoss in bits: ${r[0].dataSync()[0]}`);
    // Sequence 0's targets are all 0 and z = 0 predicts 0 (not above ½): none wrong. Sequence 1
    // predicts 1 everywhere: its four 0s are wrong.
    assert.deepEqual(Array.from(r[1].dataSync()), [0, 4]);
    tf.dispose(r);
  });

  it('bitLoss equals tfjs’s sigmoid cross-entropy, and its gradient equals autodiff', () => {
    const B = 3;
    const a = copyArrays('repeatCopy', { N: 2, R: 2 }, B, new Rng(5));
    const rng = new Rng(6);
    const logits = tf.tensor2d(rng.normals(a.L * B * 8, 2), [a.L * B, 8]);
    const y = tf.tensor2d(a.y, [a.L * B, 8]);
    const mask = tf.tensor1d(a.mask);
    const ours = bitLoss(logits, y, mask, B);
    assertClose(ours.loss, refBitLoss(logits, y, mask, B), 1e-5, 'loss');
    assert.ok(Math.abs(ours.loss.dataSync()[0] / Math.LN2 - bitsError(logits.dataSync(), a.y, a.mask, B)) < 1e-4, 'bits');
    const ref = tf.grad((z: tf.Tensor) => refBitLoss(z, y, mask, B))(logits);
    assertClose(ours.dLogits, ref, 1e-5, 'dLogits');
    tf.dispose([logits, y, mask, ours.loss, ours.dLogits, ours.wrong, ref]);
  });

  it('maxOffset: each sequence starts after 0 … maxOffset blank steps; boundaryCrossings counts the chunk ends between read and write', () => {
    const B = 6;
    const level = { N: 3, R: 1 };
    const a = copyArrays('copy', level, B, new Rng(4), 2);
    assert.equal(a.L, 7 + 2);
    assert.ok(a.offsets.every((o) => o >= 0 && o <= 2));
    assert.ok(new Set(a.offsets).size > 1, 'offsets vary');
    const I = 9;
    for (let b = 0; b < B; b++) {
      const o = a.offsets[b];
      for (let t = 0; t < a.L; t++) {
        const delim = a.x[(t * B + b) * I + 8];
        assert.equal(delim, t === o + 3 ? 1 : 0, `delimiter of sequence ${b} at step ${o + 3}`);
        assert.equal(a.mask[t * B + b], t >= o + 4 && t < o + 7 ? 1 : 0);
        // The output at write step o + 4 + j is the row read at o + j.
        if (t >= o + 4 && t < o + 7) for (let j = 0; j < 8; j++) assert.equal(a.y[(t * B + b) * 8 + j], a.x[((t - 4) * B + b) * I + j]);
      }
    }
    for (const T of [2, 3, 5]) {
      for (const { t, b, crossings } of boundaryCrossings(a, level, T)) {
        const read = t - 4;
        // A boundary after step s where (s + 1) % T = 0, for s in [read, write).
        let brute = 0;
        for (let s = read; s < t; s++) if ((s + 1) % T === 0) brute++;
        assert.equal(crossings, brute, `T = ${T}, sequence ${b}, write step ${t}`);
      }
    }
    // Without offsets the stream is the one it always was.
    assert.deepEqual(copyArrays('copy', level, B, new Rng(4)).x, copyArrays('copy', level, B, new Rng(4), 0).x);
  });

  it('copyBatch gives time-major tensors of whole sequences', () => {
    const b = copyBatch('copy', { N: 4, R: 1 }, 6, new Rng(0));
    assert.deepEqual(b.x.shape, [9, 6, 9]);
    assert.deepEqual(b.y.shape, [9, 6, 8]);
    assert.deepEqual(b.mask.shape, [9, 6]);
    assert.equal(b.starts, true);
    assert.equal(b.ends, true);
    tf.dispose([b.x, b.y, b.mask]);
  });
});

describe('curriculum', () => {
  it('Copy: N + 1 when the error drops below 0.15 bits, and not at or above it', () => {
    const c = new Curriculum('copy');
    assert.deepEqual(c.level, { N: 1, R: 1 });
    assert.equal(c.solved, null);
    assert.equal(c.report(0.2, 10), false);
    assert.equal(c.report(0.15, 20), false);
    assert.equal(c.report(NaN, 25), false);
    assert.equal(c.report(0.149, 30), true);
    assert.deepEqual(c.level, { N: 2, R: 1 });
    assert.equal(c.report(0.01, 40), true);
    assert.deepEqual(c.level, { N: 3, R: 1 });
    assert.deepEqual(c.advances, [
      { step: 30, solved: { N: 1, R: 1 } },
      { step: 40, solved: { N: 2, R: 1 } },
    ]);
    assert.equal(c.solvedDependency, 2);
  });

  it('Repeat Copy: alternately N + 1 and R + 1, N first', () => {
    const c = new Curriculum('repeatCopy');
    const seen = [c.level];
    for (let i = 0; i < 5; i++) {
      c.report(0, i);
      seen.push(c.level);
    }
    assert.deepEqual(seen, [
      { N: 1, R: 1 },
      { N: 2, R: 1 },
      { N: 2, R: 2 },
      { N: 3, R: 2 },
      { N: 3, R: 3 },
      { N: 4, R: 3 },
    ]);
    assert.equal(c.solvedDependency, 9);
  });

  it('bad curriculum configs name the field', () => {
    const cases: [() => unknown, string][] = [
      [() => curriculumSpec({ kind: 'copy', start: { N: 2, R: 2 } }), 'start.R'],
      [() => curriculumSpec({ kind: 'repeatCopy', start: { N: 0, R: 1 } }), 'start.N'],
      [() => curriculumSpec({ kind: 'copy', threshold: -1 }), 'threshold'],
      [() => curriculumSpec({ kind: 'copyy' } as any), 'kind'],
      [() => curriculumSpec({ kind: 'copy', treshold: 1 } as any), 'treshold'],
    ];
    for (const [f, field] of cases)
      assert.throws(f, (e: unknown) => e instanceof ConfigError && e.field === field, `expected a ConfigError on ${field}`);
  });
});
