import * as path from 'node:path';
import { ConfigError, DataError } from '../core/errors';
import { type FileSpec, fetchCommand, verifyFile } from './checksum';
import { type Dataset, UNIT } from './dataset';
import type { DataRoot } from './files';
import { checkDirOption, checkOptionKeys, show } from './options';
import { dataDir, dataDirHint } from './paths';

/** Folder (under the data dir) that the official binary archive extracts to. */
export const CIFAR10_FOLDER = 'cifar-10-batches-bin';

/** The six files of the official binary version, with their published sizes and md5s. */
export const CIFAR10_FILES: Readonly<Record<string, FileSpec>> = {
  'data_batch_1.bin': { bytes: 30730000, md5: '5dd7e06a14cb22eb9f671a540d1b7c25' },
  'data_batch_2.bin': { bytes: 30730000, md5: '5ea93a67294ea407fff1d09f752e9692' },
  'data_batch_3.bin': { bytes: 30730000, md5: '942cd6a4bcdd0dd3c604fbe906cb4421' },
  'data_batch_4.bin': { bytes: 30730000, md5: 'ae636b3ba5c66a11e91e8cb52e771fcb' },
  'data_batch_5.bin': { bytes: 30730000, md5: '53f37980c15c3d472c316c40844f3f0d' },
  'test_batch.bin': { bytes: 30730000, md5: '803d5f7f4d78ea53de84dbe85f74fb6d' },
};

/** Class names in label order (as in batches.meta.txt). */
export const CIFAR10_CLASSES: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

/**
 * Decodes binary records (label byte, then R, G, B 32×32 planes) into NHWC float32 in
 * [0, 1] at `x[offset*3072 ..]` and labels at `y[offset ..]`.
 */
function decodeCifarRecords(buf: Uint8Array, x: Float32Array, y: Int32Array, offset: number, file: string): void {
  if (buf.length % RECORD !== 0) {
    throw new DataError(`CIFAR-10 file ${file} is ${buf.length} bytes, not a whole number of ${RECORD}-byte records`);
  }
  const n = buf.length / RECORD;
  for (let r = 0; r < n; r++) {
    const src = r * RECORD;
    const label = buf[src];
    if (label > 9) throw new DataError(`CIFAR-10 file ${file}: record ${r} has label ${label}, not 0-9`);
    y[offset + r] = label;
    // Interleave the three planes while walking the output in order: ~3x faster than plane by plane.
    let d = (offset + r) * 3 * PLANE;
    const red = src + 1;
    for (let p = 0; p < PLANE; p++) {
      x[d++] = UNIT[buf[red + p]];
      x[d++] = UNIT[buf[red + PLANE + p]];
      x[d++] = UNIT[buf[red + 2 * PLANE + p]];
    }
  }
}

/** Verifies and reads one file of the binary version from `<root.dir>/cifar-10-batches-bin/`. */
function readVerified(root: DataRoot, file: string): Buffer {
  const spec = CIFAR10_FILES[file];
  if (spec === undefined) throw new Error(`unknown CIFAR-10 file ${file}; known: ${Object.keys(CIFAR10_FILES).join(', ')}`);
  return verifyFile(path.join(root.dir, CIFAR10_FOLDER, file), spec, fetchCommand('cifar10', root.dir), root);
}

/** Decodes already verified batch files into one Dataset. */
function toDataset(name: string, dir: string, files: string[], bufs: Buffer[]): Dataset {
  const per = bufs.map((b) => b.length / RECORD);
  const n = per.reduce((a, b) => a + b, 0);
  const x = new Float32Array(n * 3 * PLANE);
  const y = new Int32Array(n);
  let offset = 0;
  bufs.forEach((b, i) => {
    decodeCifarRecords(b, x, y, offset, path.join(dir, files[i]));
    offset += per[i];
  });
  return { name, x, y, n, shape: [SIDE, SIDE, 3], numClasses: 10 };
}

/** Options of loadCifar10. */
export interface Cifar10Options {
  /** Data folder holding `cifar-10-batches-bin/`; default dataDir(). */
  dir?: string;
  /** Which of the training batches 1..5 to load, in order; default all five (50000 images). */
  trainBatches?: number[];
}

/** The `trainBatches` option checked: a non-empty list of distinct batch numbers 1-5 (default all five). */
function checkTrainBatches(v: unknown): number[] {
  if (v === undefined) return [1, 2, 3, 4, 5];
  const bad = (why: string): ConfigError =>
    new ConfigError('trainBatches', `must list the training batch numbers 1-5, each at most once, at least one; got ${show(v)} (${why})`);
  if (!Array.isArray(v)) throw bad('not a list');
  if (v.length === 0) throw bad('empty');
  v.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 1 || b > 5) throw bad(`${show(b)} is not a batch number`);
    if (v.indexOf(b) !== i) throw bad(`batch ${b} is repeated`);
  });
  return v;
}

/**
 * Loads CIFAR-10 from the official binary files: train (data_batch_1..5, 50000 images)
 * and test (10000), images NHWC [32, 32, 3] float32 in [0, 1]. Every file's size and md5
 * is checked first; a bad or missing file raises DataError saying how to fetch it.
 * The full training set is 614 MB of float32; `trainBatches` loads fewer.
 */
export function loadCifar10(options: Cifar10Options = {}): { train: Dataset; test: Dataset } {
  checkOptionKeys(options, ['dir', 'trainBatches']);
  checkDirOption(options.dir);
  const batches = checkTrainBatches(options.trainBatches);
  const root = { dir: path.resolve(options.dir ?? dataDir()), hint: dataDirHint(CIFAR10_FOLDER, options.dir !== undefined) };
  const dir = path.join(root.dir, CIFAR10_FOLDER);
  const trainFiles = batches.map((b) => `data_batch_${b}.bin`);
  // Check every file before decoding any, so a bad file fails fast and nothing partial escapes.
  const trainBufs = trainFiles.map((f) => readVerified(root, f));
  const testBufs = [readVerified(root, 'test_batch.bin')];
  return {
    train: toDataset('cifar10-train', dir, trainFiles, trainBufs),
    test: toDataset('cifar10-test', dir, ['test_batch.bin'], testBufs),
  };
}
