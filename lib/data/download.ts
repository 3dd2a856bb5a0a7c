/**
 * Streams a URL to a file with progress lines (bytes, rate, time left), through a `.part` file
 * that is removed if anything goes wrong: a cut connection, a short body, a full disk. So a file
 * at `dest` is always a whole download.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataError } from '../core/errors';

export type Log = (line: string) => void;

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** One progress line: "45.2 of 170.1 MB (27%), 21.3 MB/s, 6 s left". */
export function progressLine(got: number, total: number, seconds: number): string {
  const rate = seconds > 0 ? got / seconds : 0;
  const speed = `${(rate / 1e6).toFixed(1)} MB/s`;
  if (total <= 0) return `${mb(got)}, ${speed}`;
  const left = rate > 0 ? (total - got) / rate : Infinity;
  return `${(got / 1e6).toFixed(1)} of ${mb(total)} (${Math.floor((100 * got) / total)}%), ${speed}, ${duration(left)} left`;
}

export interface DownloadOptions {
  log?: Log;
  /** Prefix of progress lines, e.g. 'CIFAR-10'. */
  label?: string;
  /** Seconds between progress lines (default 5). */
  every?: number;
}

/** Downloads `url` to `dest`; throws DataError naming the URL and what to do, leaving no file behind. */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<number> {
  const log = options.log ?? (() => undefined);
  const label = options.label ? `${options.label}: ` : '';
  const every = (options.every ?? 5) * 1000;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const fix = `Try again, point DNI_DATA_MIRROR at a mirror, or put the archive at ${dest} yourself and run again.`;
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    const inner = (e as { cause?: unknown }).cause; // undici puts the network error here
    const cause = inner instanceof Error ? `: ${inner.message}` : '';
    throw new DataError(`could not download ${url} (${e instanceof Error ? e.message : String(e)}${cause}). ${fix}`);
  }
  if (!res.ok || res.body === null) {
    throw new DataError(`could not download ${url}: HTTP ${res.status} ${res.statusText}. ${fix}`);
  }
  const total = Number(res.headers.get('content-length') ?? 0);
  const t0 = Date.now();
  let got = 0;
  let last = t0;
  log(`${label}downloading ${url}${total > 0 ? ` (${mb(total)})` : ''}`);
  async function* counted(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      got += chunk.length;
      const now = Date.now();
      if (now - last >= every) {
        last = now;
        log(`${label}${progressLine(got, total, (now - t0) / 1000)}`);
      }
      yield chunk;
    }
  }
  try {
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    await pipeline(body, counted, fs.createWriteStream(part));
    if (total > 0 && got !== total) throw new Error(`the server announced ${total} bytes and sent ${got}`);
    fs.renameSync(part, dest);
  } catch (e) {
    fs.rmSync(part, { force: true });
    const why = e instanceof Error ? e.message : String(e);
    throw new DataError(
      `the download of ${url} broke after ${mb(got)}${total > 0 ? ` of ${mb(total)}` : ''} (${why}); nothing was kept. ${fix}`,
    );
  }
  log(`${label}${progressLine(got, total, (Date.now() - t0) / 1000).replace(/, [^,]* left$/, '')}, done`);
  return got;
}
