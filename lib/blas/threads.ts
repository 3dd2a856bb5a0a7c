/**
 * OpenBLAS's thread count. DNI_BLAS_THREADS wins, then OMP_NUM_THREADS (the variable
 * OpenMP builds of OpenBLAS read; pthread builds read OPENBLAS_NUM_THREADS first), then
 * the number of cores. The thread pool is sized when OpenBLAS loads, so the variables are
 * exported before the addon is loaded, and the count is set again through the addon after.
 */
import * as os from 'node:os';

export interface ThreadChoice {
  threads: number;
  /** Where the number came from, for the backend report. */
  source: 'DNI_BLAS_THREADS' | 'OMP_NUM_THREADS' | 'OPENBLAS_NUM_THREADS' | 'cores';
}

function positiveInt(name: string, v: string): number {
  const n = Number(v.trim());
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(
      `${name}='${v}' is not a positive integer; set a thread count such as 1 or 2, or unset it to use all ${os.cpus().length} cores`,
    );
  }
  return n;
}

export function blasThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): ThreadChoice {
  for (const name of ['DNI_BLAS_THREADS', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS'] as const) {
    const v = env[name];
    if (v !== undefined && v.trim() !== '') return { threads: positiveInt(name, v), source: name };
  }
  return { threads: Math.max(1, os.cpus().length), source: 'cores' };
}

/** Make both OpenBLAS builds start with `n` threads; call before the addon is first loaded. */
export function exportThreadEnv(n: number, env: NodeJS.ProcessEnv = process.env): void {
  env.OMP_NUM_THREADS = String(n);
  env.OPENBLAS_NUM_THREADS = String(n);
}
