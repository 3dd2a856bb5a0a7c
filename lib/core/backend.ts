/**
 * Backend selection: the fastest tfjs backend present wins.
 *
 *   tensorflow (tfjs-node-gpu, then tfjs-node)  >  wasm  >  cpu
 *
 * `DNI_BACKEND` forces one. Neither tfjs-node package installs on machines
 * without internet (their install script downloads libtensorflow), so they are
 * optional dependencies and everything works on wasm.
 *
 * On wasm, the matmul and convolution kernels go to OpenBLAS through the project's
 * addon when it is built (lib/blas/; DNI_BLAS=off keeps the stock wasm kernels).
 * With native TensorFlow nothing is replaced: it is faster still.
 */
import * as tf from '@tensorflow/tfjs';
import { type BlasInfo, blasInfo, describeWasmPath, initNativeBlas } from '../blas';

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendInfo {
  backend: BackendName;
  /** How it was chosen: forced by DNI_BACKEND, or the first found. */
  reason: string;
  /** Package versions, e.g. { tfjs: '4.22.0', 'tfjs-backend-wasm': '4.22.0' }. */
  versions: Record<string, string>;
  /** Native packages tried and not found (or failed to load). */
  missing: string[];
  /** The native BLAS path on wasm at initialisation (null on other backends). */
  blas: BlasInfo | null;
}

let chosen: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

function tryRequire(name: string): { ok: true; version: string } | { ok: false; error: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require(name);
    return { ok: true, version: packageVersion(name) ?? '?' };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] };
  }
}

function packageVersion(name: string): string | null {
  try {
    return require(`${name}/package.json`).version as string;
  } catch {
    return null;
  }
}

async function loadWasm(): Promise<boolean> {
  try {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    // In Node the .wasm files are read from the package folder.
    const path = require('node:path') as typeof import('path');
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
    return true;
  } catch {
    return false;
  }
}

/**
 * Pick and initialise the backend once per process; later calls return the same answer.
 * Throws when DNI_BACKEND names an unknown backend or one that is not installed.
 */
export async function initBackend(): Promise<BackendInfo> {
  if (chosen) return chosen;
  if (!pending) pending = select();
  chosen = await pending;
  return chosen;
}

async function select(): Promise<BackendInfo> {
  const forced = process.env.DNI_BACKEND?.trim();
  if (forced && !(BACKENDS as readonly string[]).includes(forced)) {
    throw new Error(
      `DNI_BACKEND='${forced}' is not a backend; choose one of: ${BACKENDS.join(', ')} (or unset it to pick the fastest installed)`,
    );
  }
  const versions: Record<string, string> = { tfjs: tf.version.tfjs };
  const missing: string[] = [];
  const order: BackendName[] = forced ? [forced as BackendName] : [...BACKENDS];

  for (const name of order) {
    if (name === 'tensorflow') {
      let found = false;
      for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
        const r = tryRequire(pkg);
        if (r.ok) {
          versions[pkg.replace('@tensorflow/', '')] = r.version;
          found = true;
          break;
        }
        missing.push(pkg);
      }
      if (found && (await tf.setBackend('tensorflow'))) {
        return finish('tensorflow', forced ? 'forced by DNI_BACKEND' : 'native TensorFlow found', versions, missing);
      }
      if (forced) {
        throw new Error(
          `DNI_BACKEND=tensorflow but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node loads; install one (npm install @tensorflow/tfjs-node-gpu for CUDA GPUs) or unset DNI_BACKEND`,
        );
      }
    } else if (name === 'wasm') {
      if ((await loadWasm()) && (await tf.setBackend('wasm'))) {
        versions['tfjs-backend-wasm'] = packageVersion('@tensorflow/tfjs-backend-wasm') ?? '?';
        return finish('wasm', forced ? 'forced by DNI_BACKEND' : 'no native TensorFlow; wasm is the fastest present', versions, missing);
      }
      if (forced) throw new Error('DNI_BACKEND=wasm but @tensorflow/tfjs-backend-wasm does not load; run npm install');
      missing.push('@tensorflow/tfjs-backend-wasm');
    } else {
      await tf.setBackend('cpu');
      return finish('cpu', forced ? 'forced by DNI_BACKEND' : 'fallback', versions, missing);
    }
  }
  throw new Error('no tfjs backend could be initialised');
}

async function finish(backend: BackendName, reason: string, versions: Record<string, string>, missing: string[]): Promise<BackendInfo> {
  await tf.ready();
  const blas = backend === 'wasm' ? initNativeBlas() : null;
  if (blas?.library) versions.blas = blas.library;
  return { backend, reason, versions, missing, blas };
}

/**
 * One line for notebooks and logs: backend (on wasm, the kernel path in use now, which
 * setNativeBlas may have switched since), why, and versions.
 */
export function describeBackend(info: BackendInfo): string {
  const v = Object.entries(info.versions)
    .map(([k, x]) => `${k} ${x}`)
    .join(', ');
  const path = info.blas ? describeWasmPath(blasInfo()) : info.backend;
  return `backend: ${path} (${info.reason}); ${v}`;
}
