/**
 * The PyTorch side of `npm run bench -- --pytorch`: runs bench/pytorch.py (FCN, CNN, LSTM and
 * character-LM references) in a child process on 1 and 2 threads and gives its ms per step by
 * config name, and the table cells that put ours beside it.
 */
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export type Family = 'fcn' | 'cnn' | 'lstm' | 'charlm';

/** The row's family, from its config name (as bench/pytorch.py names them). */
export function family(config: string): Family {
  if (config.startsWith('lstm-copy')) return 'lstm';
  if (config.startsWith('lstm-ptb')) return 'charlm';
  return config.toLowerCase().includes('cnn') ? 'cnn' : 'fcn';
}

/** PyTorch on 1 and 2 threads beside our `ms`: its ms and ours ÷ its, per thread count ('—' where missing). */
export function torchCells(torch: Map<string, number> | null, config: string, ms: number | null): string[] {
  if (!torch) return [];
  return [1, 2].flatMap((th) => {
    const t = torch.get(`${config}@${th}`);
    return [t === undefined ? '—' : t.toFixed(1), t === undefined || ms === null ? '—' : `${(ms / t).toFixed(2)}×`];
  });
}

export const TORCH_HEADER = ['PyTorch 1 thr (ms)', 'ours ÷ PyTorch', 'PyTorch 2 thr (ms)', 'ours ÷ PyTorch'];

/** PyTorch's ms per step by "config@threads" for the given families, or null (with the reason printed). */
export function pytorch(steps: number, families: Family[]): Map<string, number> | null {
  // The OpenMP OpenBLAS first, so torch and OpenBLAS share one thread pool (see pytorch.py); none of this process's thread settings.
  const openmp = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'DNI_BLAS_THREADS']) delete env[k];
  if (fs.existsSync(openmp)) env.LD_LIBRARY_PATH = [openmp, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const args = [path.join(__dirname, 'pytorch.py'), '--steps', String(steps), '--threads', '1,2', '--families', families.join(',')];
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', timeout: 1_800_000, env });
  if (r.status !== 0) {
    console.log(
      `PyTorch reference skipped: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()} (apt-get install -y python3-torch libopenblas0-openmp)`,
    );
    return null;
  }
  const out = new Map<string, number>();
  for (const line of r.stdout.split('\n').filter((l) => l.startsWith('{'))) {
    const j = JSON.parse(line) as { config: string; threads: number; msPerStep: number; skipped?: string };
    if (j.skipped) console.log(`PyTorch on ${j.threads} threads skipped: ${j.skipped}`);
    else out.set(`${j.config}@${j.threads}`, j.msPerStep);
  }
  return out;
}
