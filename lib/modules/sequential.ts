/** A chain of modules with a chained backward. */
import type * as tf from '@tensorflow/tfjs';
import type { Backward, BackwardOptions, Cache, Forward, Mode, Module } from './module';

export class Sequential implements Module {
  constructor(
    readonly name: string,
    readonly modules: Module[],
  ) {}

  params(): tf.Variable[] {
    return this.modules.flatMap((m) => m.params());
  }

  buffers(): tf.Variable[] {
    return this.modules.flatMap((m) => m.buffers());
  }

  forward(x: tf.Tensor, mode: Mode): Forward {
    const caches: Cache[] = [];
    let h = x;
    for (const m of this.modules) {
      const f = m.forward(h, mode);
      caches.push(f.cache);
      h = f.y;
    }
    return { y: h, cache: { caches } };
  }

  backward(cache: Cache, dy: tf.Tensor, opts: BackwardOptions): Backward {
    const caches = cache.caches as Cache[];
    const grads: tf.Tensor[][] = [];
    let d: tf.Tensor | null = dy;
    for (let i = this.modules.length - 1; i >= 0; i--) {
      const m = this.modules[i];
      // The first module's input gradient is only needed if the caller asked for dx.
      const needDx = i > 0 || opts.dx;
      const b = m.backward(caches[i], d as tf.Tensor, { dx: needDx, params: opts.params, feedback: opts.feedback });
      grads.unshift(b.grads);
      d = b.dx;
    }
    return { dx: opts.dx ? d : null, grads: grads.flat() };
  }

  outputShape(inputShape: number[]): number[] {
    return this.modules.reduce((s, m) => m.outputShape(s), inputShape);
  }
}
