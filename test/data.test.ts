import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  Batcher,
  CIFAR10_CLASSES,
  CIFAR10_FILES,
  CIFAR10_FOLDER,
  type Dataset,
  MNIST_FILES,
  PTB_FILES,
  PTB_FOLDER,
  batchTensors,
  dataDir,
  flatSize,
  loadCifar10,
  loadMnist,
  loadPtb,
  md5File,
  mnistDir,
  parseIdx,
  subset,
  tokenizeChars,
  verifyFile,
  wordToCharFormat,
} from '../lib/data';
import { ConfigError, DataError } from '../lib/core/errors';
import { projectRoot } from '../lib/core/root';

/** Where CIFAR-10/PTB live for tests: $DNI_DATA_DIR, else ../shared/data beside the project. */
function testDataDir(): string | null {
  if (process.env.DNI_DATA_DIR) return path.resolve(process.env.DNI_DATA_DIR);
  const shared = path.resolve(projectRoot(), '..', 'shared', 'data');
  return fs.existsSync(shared) ? shared : null;
}

/** The data dir if `folder` exists in it; else logs why and returns null (caller skips). */
function dirWith(folder: string): string | null {
  const dir = testDataDir();
  if (dir === null) {
    console.log(`    skipped: no DNI_DATA_DIR and no ../shared/data; run \`npm run data\` and set DNI_DATA_DIR`);
    return null;
  }
  if (!fs.existsSync(path.join(dir, folder))) {
    console.log(`    skipped: ${path.join(dir, folder)} does not exist; run \`DNI_DATA_DIR=${dir} npm run data\``);
    return null;
  }
  return dir;
}

function histogram(y: Int32Array, k: number): number[] {
  const h = new Array<number>(k).fill(0);
  for (const v of y) h[v]++;
  return h;
}

function range(x: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Byte value (0-255) of a [0,1] pixel. */
const byte = (v: number): number => Math.round(v * 255);

function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dni-data-${tag}-`));
}

/** Asserts that `fn` throws DataError whose message contains every one of `parts`. */
function assertDataError(fn: () => unknown, parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`);
    for (const p of parts) assert.ok(e.message.includes(p), `message lacks ${JSON.stringify(p)}: ${e.message}`);
    return true;
  });
}

/** Runs `fn` with DNI_DATA_DIR set to `dir`, restoring the old value afterwards. */
function withDataDir<T>(dir: string, fn: () => T): T {
  const old = process.env.DNI_DATA_DIR;
  process.env.DNI_DATA_DIR = dir;
  try {
    return fn();
  } finally {
    if (old === undefined) delete process.env.DNI_DATA_DIR;
    else process.env.DNI_DATA_DIR = old;
  }
}

/** Asserts that `fn` throws ConfigError for `field` whose message contains every one of `parts`. */
function assertConfigError(fn: () => unknown, field: string, parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.field, field);
    for (const p of parts) assert.ok(e.message.includes(p), `message lacks ${JSON.stringify(p)}: ${e.message}`);
    return true;
  });
}

/** Node's fs module object itself: the `import * as fs` namespace is read-only, so stubs go here. */
const nodeFs = require('node:fs') as { openSync: typeof fs.openSync; statSync: typeof fs.statSync };

/**
 * Runs `fn` while fs.openSync (or statSync) fails with EACCES, as Node reports it, for the
 * paths `match` picks. Tests run as root, where permission bits never stop a read.
 */
function withEacces<T>(name: 'openSync' | 'statSync', match: (p: string) => boolean, fn: () => T): T {
  const orig = nodeFs[name];
  const syscall = name === 'openSync' ? 'open' : 'stat';
  nodeFs[name] = ((p: fs.PathLike, ...rest: unknown[]) => {
    if (match(String(p))) {
      const e = new Error(`EACCES: permission denied, ${syscall} '${String(p)}'`);
      throw Object.assign(e, { code: 'EACCES', errno: -13, syscall, path: String(p) });
    }
    return (orig as (...a: unknown[]) => unknown)(p, ...rest);
  }) as never;
  try {
    return fn();
  } finally {
    nodeFs[name] = orig as never;
  }
}

/** A sparse file of `bytes` zero bytes: right size, no disk use, so checks get past the size test. */
function sparseFile(file: string, bytes: number): void {
  fs.writeFileSync(file, '');
  fs.truncateSync(file, bytes);
}

describe('data: paths', () => {
  it('dataDir() is DNI_DATA_DIR when set, else <project root>/data', () => {
    assert.equal(JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')).name, 'dni-tfjs');
    const old = process.env.DNI_DATA_DIR;
    try {
      delete process.env.DNI_DATA_DIR;
      assert.equal(dataDir(), path.join(projectRoot(), 'data'));
      process.env.DNI_DATA_DIR = '/some/where';
      assert.equal(dataDir(), '/some/where');
    } finally {
      if (old === undefined) delete process.env.DNI_DATA_DIR;
      else process.env.DNI_DATA_DIR = old;
    }
  });
});

describe('data: dataset and Batcher', () => {
  /** n examples of shape [2, 3]; example i holds values i*10 + 0..5, label i % 7. */
  function toy(n: number): Dataset {
    const x = new Float32Array(n * 6);
    for (let i = 0; i < x.length; i++) x[i] = Math.floor(i / 6) * 10 + (i % 6);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) y[i] = i % 7;
    return { name: 'toy', x, y, n, shape: [2, 3], numClasses: 7 };
  }

  /** Example index of each row in a batch (recovered from x). */
  const rows = (x: Float32Array): number[] => Array.from({ length: x.length / 6 }, (_, i) => x[i * 6] / 10);

  it('flatSize and subset (views, bounds checked)', () => {
    const ds = toy(20);
    assert.equal(flatSize(ds), 6);
    const s = subset(ds, 5, 4);
    assert.equal(s.n, 4);
    assert.deepEqual(Array.from(s.y), [5, 6, 0, 1]);
    assert.equal(s.x[0], 50);
    assert.equal(s.x.length, 24);
    assert.equal(s.x.buffer, ds.x.buffer);
    assert.throws(() => subset(ds, 18, 3), RangeError);
    assert.throws(() => subset(ds, -1, 3), RangeError);
  });

  it('covers every example exactly once per epoch, rows and labels aligned', () => {
    const ds = toy(103);
    const b = new Batcher(ds, 10, 7);
    assert.equal(b.batchesPerEpoch, 11);
    const orders: number[][] = [];
    for (let e = 0; e < 3; e++) {
      const seen: number[] = [];
      for (let k = 0; k < 11; k++) {
        const { x, y } = b.next();
        assert.equal(y.length, k < 10 ? 10 : 3);
        const idx = rows(x);
        idx.forEach((i, j) => assert.equal(y[j], i % 7));
        seen.push(...idx);
      }
      assert.deepEqual(
        [...seen].sort((p, q) => p - q),
        Array.from({ length: 103 }, (_, i) => i),
      );
      assert.equal(b.epoch, e);
      orders.push(seen);
    }
    assert.notDeepEqual(orders[0], orders[1], 'reshuffled each epoch');
    assert.notDeepEqual(
      orders[0],
      Array.from({ length: 103 }, (_, i) => i),
      'shuffled',
    );
  });

  it('same seed gives the same batches; another seed does not', () => {
    const ds = toy(50);
    const a = new Batcher(ds, 8, 123);
    const b = new Batcher(ds, 8, 123);
    const c = new Batcher(ds, 8, 124);
    let differs = false;
    for (let k = 0; k < 20; k++) {
      const ba = a.next();
      const bb = b.next();
      const bc = c.next();
      assert.deepEqual(ba.x, bb.x);
      assert.deepEqual(ba.y, bb.y);
      if (ba.y.length !== bc.y.length || ba.x.some((v, i) => v !== bc.x[i])) differs = true;
    }
    assert.ok(differs);
  });

  it('dropRemainder gives only full batches', () => {
    const b = new Batcher(toy(25), 10, 1, { dropRemainder: true });
    assert.equal(b.batchesPerEpoch, 2);
    const seen = new Set<number>();
    for (let k = 0; k < 2; k++) rows(b.next().x).forEach((i) => seen.add(i));
    assert.equal(seen.size, 20);
    assert.equal(b.next().y.length, 10);
    assert.equal(b.epoch, 1);
    assert.throws(() => new Batcher(toy(5), 10, 1, { dropRemainder: true }), RangeError);
    assert.throws(() => new Batcher(toy(5), 0, 1), RangeError);
  });

  it('batchTensors makes [B, ...shape] or [B, D] float32 and int32 labels; Batcher makes no tensors', () => {
    const before = tf.memory().numTensors;
    const b = new Batcher(toy(30), 4, 3);
    const batch = b.next();
    assert.equal(tf.memory().numTensors, before);
    const t = batchTensors(batch, [2, 3]);
    assert.deepEqual(t.x.shape, [4, 2, 3]);
    assert.equal(t.x.dtype, 'float32');
    assert.deepEqual(t.y.shape, [4]);
    assert.equal(t.y.dtype, 'int32');
    assert.deepEqual(Array.from(t.x.dataSync()), Array.from(batch.x));
    assert.deepEqual(Array.from(t.y.dataSync()), Array.from(batch.y));
    const f = batchTensors(batch, [2, 3], { flatten: true });
    assert.deepEqual(f.x.shape, [4, 6]);
    tf.dispose([t.x, t.y, f.x, f.y]);
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => batchTensors(batch, [5]), RangeError);
  });
});

describe('data: checksum', () => {
  it('verifyFile names the file, expected size/md5, what it found and the fix', () => {
    const dir = tmpDir('sum');
    const file = path.join(dir, 'x.bin');
    fs.writeFileSync(file, 'hello');
    const spec = { bytes: 5, md5: '5d41402abc4b2a76b9719d911017c592' };
    assert.equal(md5File(file), spec.md5);
    assert.equal(verifyFile(file, spec, 'HINT').toString(), 'hello');
    assertDataError(() => verifyFile(file, { ...spec, md5: '0'.repeat(32) }, 'HINT'), [file, '0'.repeat(32), spec.md5, 'HINT', 'corrupt']);
    assertDataError(() => verifyFile(file, { ...spec, bytes: 9 }, 'HINT'), [file, '9 bytes', 'found 5 bytes', 'truncated']);
    assertDataError(() => verifyFile(path.join(dir, 'nope'), spec, 'HINT'), ['nope', 'missing', spec.md5, 'HINT']);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('data: unusable files and folders are reported as what they are, not as missing', () => {
  const spec = { bytes: 5, md5: '5d41402abc4b2a76b9719d911017c592' };
  let tmp: string;
  beforeEach(() => {
    tmp = tmpDir('fs');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a file that cannot be opened (EACCES) is "not readable", with the chmod fix', () => {
    const file = path.join(tmp, 'x.bin');
    fs.writeFileSync(file, 'hello');
    const parts = [file, 'not readable', 'EACCES: permission denied', `chmod a+r ${file}`, 'the user running this'];
    withEacces(
      'openSync',
      (p) => p === file,
      () => assertDataError(() => verifyFile(file, spec, 'HINT'), parts),
    );
    assert.throws(
      () =>
        withEacces(
          'openSync',
          (p) => p === file,
          () => verifyFile(file, spec, 'HINT'),
        ),
      (e: Error) => !/missing/.test(e.message),
    );
    if (process.getuid?.() !== 0) {
      // Without root the permission bits do stop the read: check the real thing too.
      fs.chmodSync(file, 0o000);
      assertDataError(() => verifyFile(file, spec, 'HINT'), parts);
    }
  });

  it('a folder that cannot be searched (EACCES on stat) is named, with the chmod fix', () => {
    const sub = path.join(tmp, 'sub');
    fs.mkdirSync(sub);
    const file = path.join(sub, 'x.bin');
    fs.writeFileSync(file, 'hello');
    withEacces(
      'statSync',
      (p) => p.startsWith(sub + path.sep),
      () => assertDataError(() => verifyFile(file, spec, 'HINT'), [file, `folder ${sub} is not searchable`, 'EACCES', `chmod a+rx ${sub}`]),
    );
  });

  it('a data folder that is a file says so and how to point at the right folder', () => {
    const root = path.join(tmp, 'data');
    fs.writeFileSync(root, 'not a folder');
    const file = path.join(root, 'sub', 'x.bin');
    assertDataError(
      () => verifyFile(file, spec, 'HINT', { dir: root, hint: 'ROOT-HINT' }),
      [`the data folder ${root} is a file, not a folder; ROOT-HINT`],
    );
    // A file above the data folder, and one below it (where a dataset folder should be).
    assertDataError(
      () => verifyFile(file, spec, 'HINT', { dir: path.join(root, 'sub'), hint: 'ROOT-HINT' }),
      [path.join(root, 'sub'), `${root} is a file, not a folder`, 'ROOT-HINT'],
    );
    assertDataError(
      () => verifyFile(path.join(root, 'x.bin'), spec, 'HINT', { dir: tmp, hint: 'ROOT-HINT' }),
      [path.join(root, 'x.bin'), `${root} is a file, not a folder`, 'HINT'],
    );
    // The data file itself a folder.
    fs.mkdirSync(path.join(tmp, 'x.bin'));
    assertDataError(() => verifyFile(path.join(tmp, 'x.bin'), spec, 'HINT'), [path.join(tmp, 'x.bin'), 'a folder', 'HINT']);
  });

  it('a symlink loop is reported as a loop (ELOOP), for the file or a folder on its path', () => {
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    fs.symlinkSync(b, a);
    fs.symlinkSync(a, b);
    assertDataError(() => verifyFile(a, spec, 'HINT'), [`${a} is a symlink loop (ELOOP)`, 'HINT']);
    assertDataError(() => verifyFile(path.join(a, 'x.bin'), spec, 'HINT'), [`${a} is a symlink loop (ELOOP)`, path.join(a, 'x.bin')]);
  });

  it('a dangling symlink is missing, and says where it points', () => {
    const link = path.join(tmp, 'x.bin');
    fs.symlinkSync(path.join(tmp, 'gone.bin'), link);
    assertDataError(() => verifyFile(link, spec, 'HINT'), [link, 'missing', `symlink to ${path.join(tmp, 'gone.bin')}`, spec.md5, 'HINT']);
  });

  /** Each loader, pointed at `dir`, with the first file it reads and where that file lives. */
  const loaders = [
    { name: 'MNIST', load: (dir: string) => loadMnist({ dir }), sub: '', first: 'train-images-idx3-ubyte', spec: MNIST_FILES },
    { name: 'CIFAR-10', load: (dir: string) => loadCifar10({ dir }), sub: CIFAR10_FOLDER, first: 'data_batch_1.bin', spec: CIFAR10_FILES },
    { name: 'PTB', load: (dir: string) => loadPtb('word', { dir }), sub: PTB_FOLDER, first: 'ptb.train.txt', spec: PTB_FILES },
  ];

  for (const l of loaders) {
    it(`${l.name}: data folder is a file, unreadable file, symlink loop`, () => {
      const root = path.join(tmp, 'root');
      fs.writeFileSync(root, '');
      assertDataError(() => l.load(root), [`the data folder ${root} is a file, not a folder`, 'pass as `dir` the folder that holds']);
      fs.rmSync(root);
      const folder = path.join(root, l.sub);
      fs.mkdirSync(folder, { recursive: true });
      const file = path.join(folder, l.first);
      sparseFile(file, l.spec[l.first].bytes);
      withEacces(
        'openSync',
        (p) => p === file,
        () => assertDataError(() => l.load(root), [file, 'not readable', 'EACCES: permission denied', `chmod a+r ${file}`]),
      );
      fs.rmSync(file);
      fs.symlinkSync(file, file);
      assertDataError(() => l.load(root), [`${file} is a symlink loop (ELOOP)`]);
    });
  }

  it('CIFAR-10 and PTB: DNI_DATA_DIR naming a file says to set DNI_DATA_DIR to the right folder', () => {
    const root = path.join(tmp, 'data');
    fs.writeFileSync(root, '');
    withDataDir(root, () => {
      const parts = [`the data folder ${root} is a file, not a folder`, 'set DNI_DATA_DIR to the folder that holds'];
      assertDataError(() => loadCifar10({ trainBatches: [1] }), [...parts, `${CIFAR10_FOLDER}/`]);
      assertDataError(() => loadPtb('char'), [...parts, `${PTB_FOLDER}/`]);
    });
  });

  it('CIFAR-10: a dataset folder that is a file is named, with the fix', () => {
    fs.writeFileSync(path.join(tmp, CIFAR10_FOLDER), '');
    assertDataError(
      () => loadCifar10({ dir: tmp }),
      [`${path.join(tmp, CIFAR10_FOLDER)} is a file, not a folder`, 'npm run data -- cifar10'],
    );
  });
});

describe('data: loader options', () => {
  let empty: string;
  before(() => {
    empty = tmpDir('opts');
  });
  after(() => fs.rmSync(empty, { recursive: true, force: true }));

  it('loadCifar10 rejects an empty, repeated, out-of-range, non-integer or non-list trainBatches', () => {
    const allowed = ['batch numbers 1-5', 'each at most once', 'at least one'];
    const cases: [unknown, string][] = [
      [[], '[]'],
      [[1, 1], '[ 1, 1 ]'],
      [[2, 3, 2], '[ 2, 3, 2 ]'],
      [[0], '[ 0 ]'],
      [[6], '[ 6 ]'],
      [[1.5], '[ 1.5 ]'],
      [[NaN], '[ NaN ]'],
      [['1'], "[ '1' ]"],
      ['12', "'12'"],
      [3, '3'],
      [null, 'null'],
    ];
    for (const [value, shown] of cases) {
      assertConfigError(() => loadCifar10({ dir: empty, trainBatches: value as number[] }), 'trainBatches', [
        'trainBatches',
        `got ${shown}`,
        ...allowed,
      ]);
    }
  });

  it('loaders reject a dir that is not a non-empty string, a bad PTB level, and unknown options', () => {
    for (const dir of [42, '', null, ['a']]) {
      const shown = dir === '' ? "''" : String(dir === null ? 'null' : dir);
      assertConfigError(() => loadCifar10({ dir: dir as string }), 'dir', ['non-empty path', shown]);
      assertConfigError(() => loadMnist({ dir: dir as string }), 'dir', ['non-empty path', shown]);
      assertConfigError(() => loadPtb('word', { dir: dir as string }), 'dir', ['non-empty path', shown]);
    }
    assertConfigError(() => loadPtb('words' as 'word', { dir: empty }), 'level', ["'word' or 'char'", "got 'words'"]);
    withDataDir(empty, () => {
      assertConfigError(() => loadCifar10({ trainBatch: [1] } as never), 'trainBatch', ['unknown option', 'dir, trainBatches']);
      assertConfigError(() => loadMnist({ dri: empty } as never), 'dri', ['unknown option', 'dir']);
      assertConfigError(() => loadPtb('word', { dri: empty } as never), 'dri', ['unknown option', 'dir']);
      assertConfigError(() => loadCifar10('data' as never), 'options', ['must be an object', "got 'data'"]);
    });
  });
});

describe('data: MNIST', function () {
  this.timeout(60000);
  let mnist: { train: Dataset; test: Dataset };
  before(() => {
    mnist = loadMnist();
  });

  it('installed IDX files have the expected sizes and md5s', () => {
    for (const [f, spec] of Object.entries(MNIST_FILES)) {
      const file = path.join(mnistDir(), f);
      assert.equal(fs.statSync(file).size, spec.bytes, f);
      assert.equal(md5File(file), spec.md5, f);
    }
  });

  it('shapes, dtypes, values in [0, 1] as byte/255', () => {
    for (const [ds, n] of [
      [mnist.train, 60000],
      [mnist.test, 10000],
    ] as const) {
      assert.equal(ds.n, n);
      assert.deepEqual(ds.shape, [28, 28, 1]);
      assert.equal(ds.numClasses, 10);
      assert.ok(ds.x instanceof Float32Array);
      assert.ok(ds.y instanceof Int32Array);
      assert.equal(ds.x.length, n * 784);
      assert.equal(ds.y.length, n);
      assert.deepEqual(range(ds.x), [0, 1]);
    }
    for (let i = 0; i < 784 * 50; i++) assert.equal(mnist.train.x[i], Math.fround(byte(mnist.train.x[i]) / 255));
  });

  it('label histograms and first labels', () => {
    assert.deepEqual(histogram(mnist.train.y, 10), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert.deepEqual(histogram(mnist.test.y, 10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    assert.deepEqual(Array.from(mnist.train.y.subarray(0, 10)), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert.deepEqual(Array.from(mnist.test.y.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });

  it('pixels equal the raw IDX bytes / 255, in file order', () => {
    const raw = fs.readFileSync(path.join(mnistDir(), 't10k-images-idx3-ubyte'));
    for (const i of [0, 1, 4999, 9999]) {
      for (let p = 0; p < 784; p++) assert.equal(byte(mnist.test.x[i * 784 + p]), raw[16 + i * 784 + p]);
    }
    const img0 = mnist.train.x.subarray(0, 784);
    for (let c = 0; c < 28; c++) assert.equal(img0[c], 0); // the top row is blank
  });

  it('bad IDX headers raise DataError', () => {
    const labels = fs.readFileSync(path.join(mnistDir(), 't10k-labels-idx1-ubyte'));
    assertDataError(() => parseIdx(labels, 2051, 'lab.idx'), ['lab.idx', '2049', 'expected 2051']);
    assertDataError(() => parseIdx(labels.subarray(0, 100), 2049, 'lab.idx'), ['lab.idx', 'declares dims [10000]']);
    assertDataError(() => parseIdx(labels.subarray(0, 3), 2049, 'lab.idx'), ['lab.idx', 'header']);
    assert.deepEqual(parseIdx(labels, 2049, 'lab.idx').dims, [10000]);
  });

  it('truncated or corrupt files raise DataError naming the file, md5 and the fix', () => {
    const dir = tmpDir('mnist');
    for (const f of Object.keys(MNIST_FILES)) fs.symlinkSync(path.join(mnistDir(), f), path.join(dir, f));
    const f = 't10k-labels-idx1-ubyte';
    const good = fs.readFileSync(path.join(mnistDir(), f));
    fs.rmSync(path.join(dir, f));
    fs.writeFileSync(path.join(dir, f), good.subarray(0, 5000));
    assertDataError(() => loadMnist({ dir }), [path.join(dir, f), MNIST_FILES[f].md5, 'truncated', 'found 5000 bytes']);
    const bad = Buffer.from(good);
    bad[500] ^= 1;
    fs.writeFileSync(path.join(dir, f), bad);
    assertDataError(() => loadMnist({ dir }), [path.join(dir, f), MNIST_FILES[f].md5, 'corrupt']);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('data: CIFAR-10', function () {
  this.timeout(120000);
  let dir: string;
  let cifar: { train: Dataset; test: Dataset };
  before(function () {
    const d = dirWith(CIFAR10_FOLDER);
    if (d === null) this.skip();
    dir = d;
    cifar = loadCifar10({ dir });
  });

  it('files match the checksum table, which matches SOURCE.md where present', () => {
    const folder = path.join(dir, CIFAR10_FOLDER);
    for (const [f, spec] of Object.entries(CIFAR10_FILES)) assert.equal(md5File(path.join(folder, f)), spec.md5, f);
    const source = path.join(folder, 'SOURCE.md');
    if (fs.existsSync(source)) {
      const text = fs.readFileSync(source, 'utf8');
      for (const [f, spec] of Object.entries(CIFAR10_FILES)) {
        assert.match(text, new RegExp(`\\| ${f.replace('.', '\\.')} +\\| ${spec.bytes} \\| ${spec.md5} \\|`));
      }
    }
  });

  it('shapes, dtypes, values in [0, 1], class names', () => {
    for (const [ds, n] of [
      [cifar.train, 50000],
      [cifar.test, 10000],
    ] as const) {
      assert.equal(ds.n, n);
      assert.deepEqual(ds.shape, [32, 32, 3]);
      assert.equal(ds.numClasses, 10);
      assert.ok(ds.x instanceof Float32Array);
      assert.ok(ds.y instanceof Int32Array);
      assert.equal(ds.x.length, n * 3072);
      assert.deepEqual(range(ds.x), [0, 1]);
    }
    assert.deepEqual(CIFAR10_CLASSES, ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    const meta = path.join(dir, CIFAR10_FOLDER, 'batches.meta.txt');
    if (fs.existsSync(meta)) assert.deepEqual(fs.readFileSync(meta, 'utf8').split(/\s+/).filter(Boolean), CIFAR10_CLASSES);
  });

  it('label histograms per batch and first labels', () => {
    const perBatch = [
      [1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981],
      [984, 1007, 1010, 995, 1010, 988, 1008, 1026, 987, 985],
      [994, 1042, 965, 997, 990, 1029, 978, 1015, 961, 1029],
      [1003, 963, 1041, 976, 1004, 1021, 1004, 981, 1024, 983],
      [1014, 1014, 952, 1016, 997, 1025, 980, 977, 1003, 1022],
    ];
    perBatch.forEach((h, b) => assert.deepEqual(histogram(cifar.train.y.subarray(b * 10000, (b + 1) * 10000), 10), h));
    assert.deepEqual(histogram(cifar.train.y, 10), new Array(10).fill(5000));
    assert.deepEqual(histogram(cifar.test.y, 10), new Array(10).fill(1000));
    assert.deepEqual(Array.from(cifar.train.y.subarray(0, 10)), [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    assert.deepEqual(Array.from(cifar.test.y.subarray(0, 10)), [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
  });

  it('pixel spot checks (channel-major file values, read back from NHWC)', () => {
    /** Byte values of image i in the file's order: R plane, G plane, B plane. */
    const planes = (ds: Dataset, i: number): number[] => {
      const out: number[] = [];
      for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out.push(byte(ds.x[i * 3072 + p * 3 + c]));
      return out;
    };
    const t0 = planes(cifar.train, 0);
    assert.deepEqual(t0.slice(0, 3), [59, 43, 50]);
    assert.deepEqual(t0.slice(-3), [140, 84, 72]);
    const t9999 = planes(cifar.train, 9999);
    assert.deepEqual(t9999.slice(0, 3), [62, 61, 60]);
    assert.deepEqual(t9999.slice(-3), [130, 130, 131]);
    const s0 = planes(cifar.test, 0);
    assert.deepEqual(s0.slice(0, 9), [158, 159, 165, 166, 160, 156, 162, 159, 158]);
    assert.deepEqual(s0.slice(-3), [124, 129, 110]);
  });

  it('mean pixel per channel matches SOURCE.md', () => {
    const means = (ds: Dataset): number[] => {
      const s = [0, 0, 0];
      for (let i = 0; i < ds.x.length; i += 3) {
        s[0] += byte(ds.x[i]);
        s[1] += byte(ds.x[i + 1]);
        s[2] += byte(ds.x[i + 2]);
      }
      return s.map((v) => v / (ds.n * 1024));
    };
    const close = (got: number[], want: number[]): void =>
      got.forEach((g, c) => assert.ok(Math.abs(g - want[c]) < 0.001, `channel ${c}: ${g} vs ${want[c]}`));
    close(means(cifar.train), [125.307, 122.95, 113.865]);
    close(means(cifar.test), [126.025, 123.709, 114.854]);
  });

  it('trainBatches loads a subset in the given order', () => {
    const part = loadCifar10({ dir, trainBatches: [3] });
    assert.equal(part.train.n, 10000);
    assert.deepEqual(part.train.y, cifar.train.y.subarray(20000, 30000));
    assert.deepEqual(part.train.x.subarray(0, 3072), cifar.train.x.subarray(20000 * 3072, 20000 * 3072 + 3072));
    assert.throws(() => loadCifar10({ dir, trainBatches: [6] }), ConfigError);
  });

  it('missing, truncated or corrupt files in DNI_DATA_DIR raise DataError with the fix', () => {
    const tmp = tmpDir('cifar');
    const folder = path.join(tmp, CIFAR10_FOLDER);
    const f = 'data_batch_1.bin';
    const spec = CIFAR10_FILES[f];
    withDataDir(tmp, () => {
      assertDataError(() => loadCifar10(), [path.join(folder, f), 'missing', spec.md5, 'npm run data', `DNI_DATA_DIR=${tmp}`]);
      fs.mkdirSync(folder);
      for (const g of Object.keys(CIFAR10_FILES)) fs.symlinkSync(path.join(dir, CIFAR10_FOLDER, g), path.join(folder, g));
      const good = fs.readFileSync(path.join(dir, CIFAR10_FOLDER, f));
      fs.rmSync(path.join(folder, f));
      fs.writeFileSync(path.join(folder, f), good.subarray(0, 3073 * 100));
      assertDataError(
        () => loadCifar10(),
        [path.join(folder, f), 'truncated', `found ${3073 * 100} bytes`, `${spec.bytes} bytes`, spec.md5, 'npm run data'],
      );
      const bad = Buffer.from(good);
      bad[12345] ^= 0x80;
      fs.writeFileSync(path.join(folder, f), bad);
      assertDataError(() => loadCifar10(), [path.join(folder, f), 'corrupt', spec.md5, 'npm run data -- cifar10']);
    });
    fs.rmSync(tmp, { recursive: true });
  });
});

describe('data: Penn Treebank', function () {
  this.timeout(60000);
  let dir: string;
  let words: ReturnType<typeof loadPtb>;
  let chars: ReturnType<typeof loadPtb>;
  before(function () {
    const d = dirWith(PTB_FOLDER);
    if (d === null) this.skip();
    dir = d;
    words = loadPtb('word', { dir });
    chars = loadPtb('char', { dir });
  });

  it('files match the checksum table', () => {
    for (const [f, spec] of Object.entries(PTB_FILES)) {
      const file = path.join(dir, PTB_FOLDER, f);
      assert.equal(fs.statSync(file).size, spec.bytes, f);
      assert.equal(md5File(file), spec.md5, f);
    }
  });

  it('word level: token counts, 10000 types, TensorFlow-reader ids', () => {
    assert.ok(words.train instanceof Int32Array);
    assert.equal(words.train.length, 929589);
    assert.equal(words.valid.length, 73760);
    assert.equal(words.test.length, 82430);
    assert.equal(words.vocab.itos.length, 10000);
    assert.equal(words.vocab.stoi.size, 10000);
    const eos = words.vocab.stoi.get('<eos>')!;
    assert.equal(words.train.filter((t) => t === eos).length, 42068);
    // The TensorFlow PTB tutorial's reader gives the same first ids.
    assert.deepEqual(Array.from(words.train.subarray(0, 5)), [9970, 9971, 9972, 9974, 9975]);
    assert.deepEqual(
      Array.from(words.train.subarray(0, 3), (i) => words.vocab.itos[i]),
      ['aer', 'banknote', 'berlitz'],
    );
    assert.equal(words.vocab.itos[0], 'the');
    for (const [s, i] of words.vocab.stoi) assert.equal(words.vocab.itos[i], s);
  });

  it('char level: symbol counts, 50 types incl. "_" and newline', () => {
    assert.equal(chars.train.length, 5017482);
    assert.equal(chars.valid.length, PTB_FILES['ptb.char.valid.txt'].bytes / 2);
    assert.equal(chars.test.length, PTB_FILES['ptb.char.test.txt'].bytes / 2);
    assert.equal(chars.vocab.itos.length, 50);
    assert.ok(chars.vocab.stoi.has('_'));
    const nl = chars.vocab.stoi.get('\n')!;
    assert.equal(chars.train.filter((t) => t === nl).length, 42068);
    assert.ok(!chars.vocab.stoi.has(' '));
    assert.throws(() => tokenizeChars('a b', 'f.txt'), DataError);
    assert.throws(() => tokenizeChars('a_b ', 'f.txt'), DataError);
  });

  it('wordToCharFormat reproduces all three char files byte for byte', () => {
    assert.equal(wordToCharFormat(" no it was n't black monday \n"), "n o _ i t _ w a s _ n ' t _ b l a c k _ m o n d a y \n ");
    for (const s of ['train', 'valid', 'test']) {
      const derived = wordToCharFormat(fs.readFileSync(path.join(dir, PTB_FOLDER, `ptb.${s}.txt`), 'latin1'));
      const genuine = fs.readFileSync(path.join(dir, PTB_FOLDER, `ptb.char.${s}.txt`));
      assert.ok(Buffer.from(derived, 'latin1').equals(genuine), `ptb.char.${s}.txt differs`);
    }
  });

  it('truncated or corrupt files in DNI_DATA_DIR raise DataError with the fix', () => {
    const tmp = tmpDir('ptb');
    const folder = path.join(tmp, PTB_FOLDER);
    fs.mkdirSync(folder);
    for (const g of Object.keys(PTB_FILES)) fs.symlinkSync(path.join(dir, PTB_FOLDER, g), path.join(folder, g));
    const f = 'ptb.valid.txt';
    const good = fs.readFileSync(path.join(dir, PTB_FOLDER, f));
    fs.rmSync(path.join(folder, f));
    withDataDir(tmp, () => {
      fs.writeFileSync(path.join(folder, f), good.subarray(0, 1000));
      assertDataError(() => loadPtb('word'), [path.join(folder, f), 'truncated', PTB_FILES[f].md5, 'npm run data -- ptb']);
      const bad = Buffer.from(good);
      bad[777] = 'Q'.charCodeAt(0);
      fs.writeFileSync(path.join(folder, f), bad);
      assertDataError(() => loadPtb('word'), [path.join(folder, f), 'corrupt', PTB_FILES[f].md5, 'npm run data']);
    });
    fs.rmSync(tmp, { recursive: true });
  });
});
