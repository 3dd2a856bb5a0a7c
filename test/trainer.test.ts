/** Trainer hygiene: no leaks, determinism, config errors, Adam, backend choice. */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { Adam, ADAM_DEFAULTS, learningRate } from '../lib/core/adam';
import { initBackend } from '../lib/core/backend';
import { mnistCnn, mnistFcn } from '../lib/networks/build';
import type { NetworkSpec } from '../lib/networks/spec';
import { methodSpec, type Table2Method, TABLE2_METHODS } from '../lib/experiments/methods';
import { bpLambdaSpec, type BPLambdaSpec, type BPLambdaInput } from '../lib/trainers/spec';
import { ConfigError } from '../lib/core/errors';
import { Rng } from '../lib/core/rng';
import { BPLambdaTrainer } from '../lib/trainers/bp-lambda';
import { assertClose } from './assert';

function data(shape: number[], b: number, seed: number): { x: tf.Tensor; y: tf.Tensor1D } {
  const rng = new Rng(seed);
  const n = shape.reduce((a, c) => a * c, 1);
  return {
    x: tf.tensor(
      Float32Array.from({ length: b * n }, () => rng.uniform()),
      [b, ...shape],
    ),
    y: tf.tensor1d(
      Int32Array.from({ length: b }, () => rng.int(10)),
      'int32',
    ),
  };
}

function spec(method: Table2Method, net: NetworkSpec, extra: Partial<BPLambdaInput> = {}): BPLambdaSpec {
  const K = net.kind === 'fcn' ? net.hidden.length + 1 : net.filters.length + 1;
  const m = methodSpec(method, K);
  return bpLambdaSpec({
    network: net,
    lambda: m.lambda,
    synthesizer: { hiddenLayers: 1, width: 8, kernel: 3, ...m.synthesizer },
    seed: 1,
    ...extra,
  });
}

describe('trainer', () => {
  afterEach(() => tf.disposeVariables());

  it('a training step leaks no tensors (every method, FCN and CNN, oracle, capture-free stats)', () => {
    const smallCnn: NetworkSpec = { ...mnistCnn(3, 4), input: [12, 12, 1] };
    for (const net of [mnistFcn(4, 16), smallCnn]) {
      const shape = net.kind === 'fcn' ? [net.input] : net.input;
      const { x, y } = data(shape, 8, 1);
      for (const method of TABLE2_METHODS) {
        for (const oracle of method === 'dni' ? [false, true] : [false]) {
          const t = new BPLambdaTrainer(spec(method, net, { oracle }));
          t.step({ x, y }); // creates optimizer slots lazily, if any
          const before = tf.memory().numTensors;
          t.step({ x, y });
          t.step({ x, y }, { stats: true });
          t.evaluate({ x, y });
          assert.equal(
            tf.memory().numTensors,
            before,
            `${net.kind} ${method}${oracle ? ' (oracle)' : ''} leaked ${tf.memory().numTensors - before} tensors`,
          );
          t.dispose();
        }
      }
      tf.dispose([x, y]);
    }
  });

  it('building, training and disposing a trainer frees all its memory', () => {
    const before = tf.memory();
    const t = new BPLambdaTrainer(spec('cdni', mnistFcn(3, 16)));
    const { x, y } = data([784], 8, 2);
    t.step({ x, y });
    tf.dispose([x, y]);
    t.dispose();
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
  });

  it('the same seed gives the same run; another seed does not', () => {
    const run = (seed: number) => {
      const t = new BPLambdaTrainer(spec('dni', mnistFcn(3, 16), { seed }));
      for (let s = 0; s < 3; s++) {
        const { x, y } = data([784], 8, 100 + s);
        t.step({ x, y });
        tf.dispose([x, y]);
      }
      const out = t.params().map((p) => Array.from(p.dataSync()));
      t.dispose();
      return out;
    };
    assert.deepEqual(run(5), run(5));
    assert.notDeepEqual(run(5), run(6));
  });

  it('bad configs throw a ConfigError naming the field', () => {
    const base = { network: mnistFcn(3), lambda: [0, 0] };
    const cases: [() => unknown, string][] = [
      [() => bpLambdaSpec({ ...base, lambda: [0, 1.5] }), 'lambda[1]'],
      [() => bpLambdaSpec({ ...base, lambda: [-0.1, 0] }), 'lambda[0]'],
      [() => bpLambdaSpec({ ...base, lambda: [0] }), 'lambda'],
      [() => bpLambdaSpec({ ...base, sgScal: 1 } as any), 'sgScal'],
      [() => bpLambdaSpec({ ...base, synthesizer: { widht: 3 } } as any), 'synthesizer.widht'],
      [() => bpLambdaSpec({ ...base, network: { ...mnistFcn(3), hidden: [256, 0] } }), 'network.hidden[1]'],
      [() => bpLambdaSpec({ ...base, optimizer: { lr: -1 } } as any), 'optimizer.lr'],
      [() => bpLambdaSpec({ ...base, synthesizer: { lossReduction: 'avg' } } as any), 'synthesizer.lossReduction'],
      [() => bpLambdaSpec({ ...base, synthesizer: { targetUnits: 'perBatch' } } as any), 'synthesizer.targetUnits'],
      [() => bpLambdaSpec({ network: { ...mnistCnn(3), pools: ['max'] }, lambda: [0, 0] }), 'network.pools'],
      [() => bpLambdaSpec({ ...base, synthesizer: { conditioned: 'false' } } as any), 'synthesizer.conditioned'],
      [() => bpLambdaSpec({ ...base, synthesizer: { kind: 'ema', decay: 1 } }), 'synthesizer.decay'],
      [() => bpLambdaSpec({ ...base, synthesizer: { decay: -0.1 } }), 'synthesizer.decay'],
      [() => bpLambdaSpec({ ...base, synthesizer: { kind: 'average' } } as any), 'synthesizer.kind'],
      [() => bpLambdaSpec({ ...base, updateProbability: -0.5 }), 'updateProbability'],
      [() => bpLambdaSpec({ ...base, targetRefresh: 2.5 }), 'targetRefresh'],
      [() => bpLambdaSpec({ ...base, targetRefresh: -1 }), 'targetRefresh'],
    ];
    for (const [f, field] of cases) {
      assert.throws(
        f,
        (e: unknown) => e instanceof ConfigError && e.field === field && e.message.includes(`'${field}'`),
        `expected a ConfigError on ${field}`,
      );
    }
    // A width mismatch between the data and the network.
    const t = new BPLambdaTrainer(bpLambdaSpec(base));
    const { x, y } = data([700], 4, 1);
    assert.throws(
      () => t.step({ x, y }),
      (e: unknown) => e instanceof ConfigError && e.field === 'network.input' && /\[784\]/.test(e.message),
    );
    tf.dispose([x, y]);
  });

  it('Adam matches tf.train.adam, and the step schedule divides the rate', () => {
    const rng = new Rng(2);
    const init = rng.normals(12);
    const grads = [0, 1, 2].map(() => rng.normals(12));
    const ours = tf.variable(tf.tensor(init, [3, 4]));
    const theirs = tf.variable(tf.tensor(init, [3, 4]));
    const spec = { ...ADAM_DEFAULTS, lr: 0.01, decaySteps: [] };
    const a = new Adam([ours], spec);
    const b = tf.train.adam(spec.lr, spec.beta1, spec.beta2, spec.eps);
    for (const g of grads) {
      tf.tidy(() => a.apply([tf.tensor(g, [3, 4])]));
      b.applyGradients([{ name: theirs.name, tensor: tf.tensor(g, [3, 4]) }]);
    }
    assertClose(ours, theirs, 1e-5, 'Adam parameters');
    assert.equal(learningRate(ADAM_DEFAULTS, 299999), 3e-5);
    assert.ok(Math.abs(learningRate(ADAM_DEFAULTS, 300000) - 3e-6) < 1e-12);
    assert.ok(Math.abs(learningRate(ADAM_DEFAULTS, 450000) - 3e-7) < 1e-13);
    a.dispose();
    b.dispose();
  });

  it('DNI_BACKEND rejects an unknown backend, listing the choices', async () => {
    // initBackend caches its answer, so check the error on a fresh module instance.
    const saved = process.env.DNI_BACKEND;
    process.env.DNI_BACKEND = 'gpu';
    try {
      const path = require.resolve('../lib/core/backend');
      delete require.cache[path];
      const fresh = require('../lib/core/backend') as typeof import('../lib/core/backend');
      await assert.rejects(fresh.initBackend(), /DNI_BACKEND='gpu'.*tensorflow, wasm, cpu/);
      delete require.cache[path];
    } finally {
      if (saved === undefined) delete process.env.DNI_BACKEND;
      else process.env.DNI_BACKEND = saved;
    }
    const info = await initBackend();
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(info.backend));
    assert.equal(info.backend, tf.getBackend());
  });
});
