/**
 * Language-model batches the standard way (Mikolov; Zaremba et al.): the corpus is cut into
 * `batch` contiguous streams, one per batch row, and consecutive chunks of T steps are read
 * from every stream in parallel, so a row's recurrent state carries from one chunk to the next
 * (the state of row b after a chunk is the state before the text that follows it in stream b).
 *
 *   const s = new StreamBatcher(corpus.train, 256);
 *   const { inputs, targets } = s.next(8);   // [256][8] ids; targets are the inputs shifted by one
 */
import { ConfigError } from '../../core/errors';

export interface StreamChunk {
  /** inputs[b][t]: the symbol at step t of row b. */
  inputs: Int32Array[];
  /** targets[b][t]: the next symbol (inputs shifted by one). */
  targets: Int32Array[];
  /** True when this chunk wrapped around to the streams' start (a new epoch): reset the state first. */
  restarted: boolean;
  /** True when this chunk reaches the streams' end (the next one restarts): no loss follows it. */
  ends: boolean;
}

export class StreamBatcher {
  /** Symbols per stream; the last ids.length mod batch symbols are dropped. */
  readonly streamLength: number;
  private pos = 0;
  private epochs = 0;

  /** `fields` are the names the user wrote for the batch and T, and `corpus` what the ids are, for errors. */
  constructor(
    readonly ids: Int32Array,
    readonly batch: number,
    private readonly fields: { batch: string; T: string; corpus: string } = { batch: 'batch', T: 'T', corpus: 'corpus' },
  ) {
    if (!Number.isInteger(batch) || batch < 1) throw new ConfigError(fields.batch, `must be a positive integer, got ${batch}`);
    this.streamLength = Math.floor(ids.length / batch);
    if (this.streamLength < 2)
      throw new ConfigError(
        fields.batch,
        `${batch} streams of a ${ids.length}-symbol ${fields.corpus} leave fewer than 2 symbols per stream`,
      );
  }

  /** Symbol i of stream b. */
  at(b: number, i: number): number {
    return this.ids[b * this.streamLength + i];
  }

  /** Chunks read so far that wrapped around (whole passes over the streams). */
  get epoch(): number {
    return this.epochs;
  }

  /**
   * The next T steps of every stream. A stream of length L yields L − 1 (input, target) pairs;
   * a chunk never crosses the end: the last one of a pass is shorter, and the pass after it
   * starts at the beginning with `restarted` set.
   */
  next(T: number): StreamChunk {
    if (!Number.isInteger(T) || T < 1) throw new ConfigError(this.fields.T, `must be a positive integer, got ${T}`);
    let restarted = false;
    if (this.pos >= this.streamLength - 1) {
      this.pos = 0;
      this.epochs++;
      restarted = true;
    }
    const len = Math.min(T, this.streamLength - 1 - this.pos);
    const inputs: Int32Array[] = [];
    const targets: Int32Array[] = [];
    for (let b = 0; b < this.batch; b++) {
      const start = b * this.streamLength + this.pos;
      inputs.push(this.ids.slice(start, start + len));
      targets.push(this.ids.slice(start + 1, start + 1 + len));
    }
    this.pos += len;
    return { inputs, targets, restarted, ends: this.pos >= this.streamLength - 1 };
  }
}

/** Bits per character: the mean negative log2-likelihood, from a sum of natural-log losses over `count` predictions. */
export function bitsPerChar(sumNats: number, count: number): number {
  if (!(count > 0)) throw new Error(`bitsPerChar: no predictions (count ${count})`);
  return sumNats / count / Math.LN2;
}
