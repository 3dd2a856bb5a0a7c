/**
 * npm run bench [-- --json] [-- --steps N]
 *
 * Milliseconds per training step of the MNIST FCN (batch 256, Adam) for bprop,
 * every-layer DNI (2×1024 synthesizers) and every-layer cDNI (linear synthesizers),
 * at 3 and 6 layers, in one process on the backend the library picks.
 * The targets are a prototype's figures on a 2-core machine, wasm backend.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, describeBackend } from '../lib/backend';
import { mnistFcn } from '../lib/builders';
import { methodSpec } from '../lib/experiments/methods';
import { bpLambdaSpec } from '../lib/trainers/spec';
import { Batcher, batchTensors } from '../lib/data/dataset';
import { loadMnist } from '../lib/data/mnist';
import { BPLambdaTrainer } from '../lib/trainers/bplambda';

const TARGETS: Record<string, Record<number, number>> = { bprop: { 3: 22, 6: 47 }, dni: { 3: 289, 6: 719 }, cdni: { 3: 31, 6: 69 } };
// The paper's synthesizers for MNIST FCNs (D.1); the method sets the conditioning.
const SYNTH = { bprop: {}, dni: { hiddenLayers: 2, width: 1024 }, cdni: { hiddenLayers: 0 } };

/** This machine's matmul throughput, so the table can be read against the targets' machine. */
function matmulGflops(): number {
  const a = tf.randomNormal([1024, 1024]);
  const b = tf.randomNormal([1024, 1024]);
  // Plain calls, not tf.tidy: the same matmul timed inside tidy ran ~10× slower here.
  const once = () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
  once();
  once();
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    once();
    times.push(performance.now() - t0);
  }
  tf.dispose([a, b]);
  times.sort((x, y) => x - y);
  return (2 * 1024 ** 3) / (times[3] * 1e6);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const steps = Number(arg('--steps') ?? 15);
  const info = await initBackend();
  if (!json) console.log(describeBackend(info));
  const gflops = matmulGflops();
  if (!json) console.log(`calibration: 1024×1024×1024 matmul at ${gflops.toFixed(1)} GFLOP/s here (TOOLCHAIN.md measured ≈ 29 on the machine the targets come from)`);
  const { train } = loadMnist();
  const rows: { variant: string; depth: number; backend: string; msPerStep: number }[] = [];
  for (const variant of ['bprop', 'dni', 'cdni'] as const) {
    for (const depth of [3, 6]) {
      const t = new BPLambdaTrainer(
        bpLambdaSpec({ network: mnistFcn(depth), ...methodSpec(variant, depth), synthesizer: { ...SYNTH[variant], ...methodSpec(variant, depth).synthesizer }, optimizer: { lr: 1e-4 } }),
      );
      const batcher = new Batcher(train, 256, 0, { dropRemainder: true });
      const times: number[] = [];
      for (let i = 0; i < steps + 3; i++) {
        const { x, y } = batchTensors(batcher.next(), [784]);
        const t0 = performance.now();
        t.step({ x, y });
        if (i >= 3) times.push(performance.now() - t0); // the first steps warm up kernels
        tf.dispose([x, y]);
      }
      t.dispose();
      times.sort((a, b) => a - b);
      const row = { variant, depth, backend: info.backend, msPerStep: Number(times[Math.floor(times.length / 2)].toFixed(1)) };
      rows.push(row);
      if (json) console.log(JSON.stringify({ ...row, matmulGflops: Number(gflops.toFixed(1)) }));
    }
  }
  if (!json) {
    console.log(`\nmedian of ${steps} steps after 3 warm-up steps; MNIST FCN, batch 256, Adam\n`);
    console.log('| variant | layers | backend | ms/step | target (wasm, 2 cores) | ratio |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) {
      const target = TARGETS[r.variant][r.depth];
      console.log(`| ${r.variant} | ${r.depth} | ${r.backend} | ${r.msPerStep} | ${target} | ${(r.msPerStep / target).toFixed(2)}× |`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
