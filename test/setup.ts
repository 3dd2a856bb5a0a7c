// Root hooks: pick the tfjs backend once, as the library does for users; and make sure no test
// leaves a global changed for the tests after it (the backend, the BLAS path, the environment),
// so that a test's result never depends on which files ran before it.
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../lib/core/backend';
import { blasInfo } from '../lib/blas';

/** The globals a test may change only if it restores them before it ends. */
function globals(): Record<string, string> {
  // Not OMP_NUM_THREADS / OPENBLAS_NUM_THREADS: lib/blas exports them once, when it first loads
  // OpenBLAS (its thread pool is sized then), which under DNI_BLAS=off is inside some test.
  const env = Object.keys(process.env)
    .filter((k) => k.startsWith('DNI_') || (k.startsWith('OPENBLAS_') && k !== 'OPENBLAS_NUM_THREADS'))
    .sort()
    .map((k) => `${k}=${process.env[k]}`);
  return { backend: tf.getBackend(), 'native BLAS': String(blasInfo().enabled), environment: env.join(' ') };
}

let found: Record<string, string> = {};
let baseline: Record<string, string> = {};

function diff(a: Record<string, string>, b: Record<string, string>): string {
  return Object.keys(a)
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k}: ${a[k] || '(none)'} → ${b[k] || '(none)'}`)
    .join('; ');
}

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    const info = await initBackend();
    console.log(`  ${describeBackend(info)}`);
    baseline = globals();
  },
  afterAll(): void {
    // Catches a suite-level before() whose after() did not restore what it changed.
    const what = diff(baseline, globals());
    if (what) throw new Error(`the suite ended with globals changed (${what})`);
  },
  beforeEach(): void {
    found = globals();
  },
  afterEach(this: Mocha.Context): void {
    const what = diff(found, globals());
    if (what) {
      throw new Error(`"${this.currentTest?.fullTitle()}" left globals changed (${what}); restore what the test found`);
    }
  },
};
