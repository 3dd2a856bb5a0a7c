/** The data of D.3 (lib/tasks/digit-counts.ts): counts on fixed digit sequences, B's clock, batches. */
import { strict as assert } from 'node:assert';
import { Rng } from '../lib/core/rng';
import type { Dataset } from '../lib/data/dataset';
import { batchFromIndices, bTicks, digitCountBatch, digitCountLabels } from '../lib/tasks/digit-counts';

const spec = { sequenceLength: 8, bPeriod: 2, oddCap: 8, threeCap: 3 };

/** A toy dataset: example i is digit i mod 10, its 4 pixels all equal to i / 100. */
function toy(): Dataset {
  const n = 30;
  const x = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) x.fill(i / 100, i * 4, (i + 1) * 4);
  return { name: 'toy', x, y: Int32Array.from({ length: n }, (_, i) => i % 10), n, shape: [4], numClasses: 10 };
}

describe('D.3 data: streams of digits with two counts', () => {
  it('counts odd digits seen so far (A, every step) and 3s seen so far at B’s ticks, on fixed sequences', () => {
    // digits:        3  1  4  1  5  9  2  6
    // odd so far:    1  2  2  3  4  5  5  5
    // 3s at t=2,4,6,8: 1  1  1  1
    assert.deepEqual(digitCountLabels([3, 1, 4, 1, 5, 9, 2, 6], spec), { a: [1, 2, 2, 3, 4, 5, 5, 5], b: [1, 1, 1, 1] });
    // 3s pile up: B's count at t = 2, 4, 6, 8 is 2, 3, 4 → capped at 3, 3.
    assert.deepEqual(digitCountLabels([3, 3, 0, 3, 3, 8, 3, 3], spec), { a: [1, 2, 2, 3, 4, 4, 5, 6], b: [2, 3, 3, 3] });
    // No odd digit, no 3.
    assert.deepEqual(digitCountLabels([0, 2, 4, 6, 8, 0, 2, 4], spec), { a: [0, 0, 0, 0, 0, 0, 0, 0], b: [0, 0, 0, 0] });
    // Caps on A's count; B ticking every 3rd step reads steps 3 and 6 only (digit 7's 3 comes later).
    assert.deepEqual(digitCountLabels([1, 3, 5, 7, 9, 1, 3], { ...spec, sequenceLength: 7, bPeriod: 3, oddCap: 4 }), {
      a: [1, 2, 3, 4, 4, 4, 4],
      b: [1, 1],
    });
  });

  it('B ticks at P, 2P, … within the sequence', () => {
    assert.deepEqual(bTicks(spec), [2, 4, 6, 8]);
    assert.deepEqual(bTicks({ sequenceLength: 7, bPeriod: 3 }), [3, 6]);
    assert.deepEqual(bTicks({ sequenceLength: 4, bPeriod: 1 }), [1, 2, 3, 4]);
  });

  it('a batch lays out images, digits and labels time-major, from the examples picked', () => {
    const ds = toy();
    const picks = [
      [3, 11, 4, 21, 5, 9, 2, 6],
      [13, 23, 0, 3, 3, 8, 3, 3],
    ];
    const b = batchFromIndices(ds, picks, spec);
    assert.deepEqual(Array.from(b.digits[0]), [3, 3]);
    assert.deepEqual(Array.from(b.digits[1]), [1, 3]);
    // Sequence 1's image at step 1 is example 23: pixels 0.23.
    assert.ok(Math.abs(b.x[1][4] - 0.23) < 1e-6 && Math.abs(b.x[1][3] - 0.11) < 1e-6);
    assert.deepEqual(
      b.a.map((v) => v[0]),
      [1, 2, 2, 3, 4, 5, 5, 5],
    );
    assert.deepEqual(
      b.b.map((v) => v[1]),
      [2, 3, 3, 3],
    );
  });

  it('draws are seeded, and every label is within its classes', () => {
    const ds = toy();
    const one = digitCountBatch(ds, 16, spec, new Rng(5));
    const two = digitCountBatch(ds, 16, spec, new Rng(5));
    assert.deepEqual(
      one.digits.map((d) => Array.from(d)),
      two.digits.map((d) => Array.from(d)),
    );
    for (const v of one.a.flatMap((d) => Array.from(d))) assert.ok(v >= 0 && v <= spec.oddCap);
    for (const v of one.b.flatMap((d) => Array.from(d))) assert.ok(v >= 0 && v <= spec.threeCap);
  });
});
