/**
 * The record of the runs each notebook used, per scale (<results>/notebooks/<scale>.json):
 * notebook-plan.ts writes it after a notebook ran and reads it for the plan; compute-runs.ts reads
 * it to compute a notebook's runs ahead of it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DownloadName } from '../lib/data/archives';

export interface RunRecord {
  entry: string;
  steps: number;
  msPerStep: number | null;
  /** Wall-clock seconds of training with its evaluations, when the run recorded them (EvalRecord.seconds at the last record). */
  seconds?: number | null;
  data: DownloadName | null;
}

/** What computing a run again takes: its recorded wall time, else its training steps at its ms/step; null when neither is known. */
export function runSeconds(r: RunRecord): number | null {
  if (typeof r.seconds === 'number' && Number.isFinite(r.seconds)) return r.seconds;
  return r.msPerStep !== null ? (r.steps * r.msPerStep) / 1000 : null;
}

export interface NotebookRecord {
  executedAt: string;
  /** Wall time of the execution, less the runs computed during it: a cached re-execution. */
  cachedSeconds: number;
  runs: RunRecord[];
}
export type Manifest = Record<string, NotebookRecord>;

export const manifestFile = (results: string, scale: string) => path.join(results, 'notebooks', `${scale}.json`);

/** The record under a results folder; empty when there is none, or (with a warning naming the file) when it does not parse. */
export function readManifest(results: string, scale: string, who: string): Manifest {
  const file = manifestFile(results, scale);
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (e) {
    console.warn(`${who}: ignoring ${file} (${(e as Error).message})`);
    return {};
  }
}
