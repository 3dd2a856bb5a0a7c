import { strict as assert } from 'node:assert';
import { EarlyStopping } from '../lib/runs/char-lm/early-stop';
import { bitsPerChar, StreamBatcher } from '../lib/runs/char-lm/streams';

const ids = (s: string) => Int32Array.from(s, (c) => c.charCodeAt(0));
const text = (a: Int32Array) => String.fromCharCode(...a);

describe('language-model data', () => {
  it('cuts the corpus into contiguous streams, one per batch row, read in chunks that carry on', () => {
    // 26 letters, 3 streams of 8 (y and z dropped): abcdefgh | ijklmnop | qrstuvwx.
    const s = new StreamBatcher(ids('abcdefghijklmnopqrstuvwxyz'), 3);
    assert.equal(s.streamLength, 8);
    const c1 = s.next(3);
    assert.deepEqual(c1.inputs.map(text), ['abc', 'ijk', 'qrs']);
    assert.deepEqual(c1.targets.map(text), ['bcd', 'jkl', 'rst']);
    assert.equal(c1.restarted, false);
    const c2 = s.next(3);
    assert.deepEqual(c2.inputs.map(text), ['def', 'lmn', 'tuv']);
    // 7 pairs per stream: the third chunk has one step left, then the streams restart.
    const c3 = s.next(3);
    assert.deepEqual(c3.inputs.map(text), ['g', 'o', 'w']);
    assert.deepEqual(c3.targets.map(text), ['h', 'p', 'x']);
    assert.deepEqual([c1.ends, c2.ends, c3.ends], [false, false, true], "the third chunk reaches the streams' end");
    const c4 = s.next(3);
    assert.equal(c4.restarted, true);
    assert.equal(s.epoch, 1);
    assert.deepEqual(c4.inputs.map(text), ['abc', 'ijk', 'qrs']);
    assert.throws(() => new StreamBatcher(ids('abc'), 2), /fewer than 2 symbols per stream/);
    assert.throws(() => s.next(0), /T/);
  });

  it('bits per character is the mean negative log2-likelihood', () => {
    // "aab" predicted with p(a) = 1/2, p(a) = 1/2, p(b) = 1/4: −log2 = 1 + 1 + 2 = 4 bits over 3 chars.
    const nats = -Math.log(0.5) - Math.log(0.5) - Math.log(0.25);
    assert.ok(Math.abs(bitsPerChar(nats, 3) - 4 / 3) < 1e-12);
    assert.throws(() => bitsPerChar(1, 0), /no predictions/);
  });

  it('early stopping keeps the best validation checkpoint, not the last', () => {
    const keep = new EarlyStopping<string>();
    let snapshots = 0;
    const snap = (s: string) => () => {
      snapshots++;
      return s;
    };
    assert.equal(keep.offer(1, 2.0, snap('w1')), true);
    assert.equal(keep.offer(2, 1.5, snap('w2')), true);
    assert.equal(keep.offer(3, 1.7, snap('w3')), false);
    assert.equal(keep.offer(4, 1.5, snap('w4')), false); // a tie is not better
    assert.deepEqual(keep.best, { step: 2, score: 1.5, state: 'w2' });
    assert.equal(snapshots, 2, 'a snapshot is taken only for a new best');
    assert.deepEqual(
      keep.history.map((h) => h.score),
      [2.0, 1.5, 1.7, 1.5],
    );
    assert.throws(() => keep.offer(5, NaN, snap('w5')), /NaN/);
  });
});
