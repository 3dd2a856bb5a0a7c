/**
 * Reads a .tar.gz and writes out only the members asked for, by name, without the system tar.
 *
 *   const got = await extractMembers(archive, new Map([['cifar-10-batches-bin/test_batch.bin', 'test_batch.bin']]), scratch);
 *
 * Every member's path is checked, not only the wanted ones: an archive holding an absolute path
 * or one that climbs out (`..`) is refused as a whole, since no honest dataset archive has one.
 * A wanted member must be a regular file (a link in its place is refused). Wanted members are
 * written under the names the caller gives, inside `into`, so no member path ever reaches the
 * file system. Each file's size and md5 are computed while it is written.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DataError } from '../core/errors';

const BLOCK = 512;

/** A member written out: where, how many bytes, its md5. */
export interface Extracted {
  file: string;
  bytes: number;
  md5: string;
}

interface Header {
  name: string;
  size: number;
  type: string;
  linkname: string;
}

function cString(buf: Buffer, start: number, length: number): string {
  const raw = buf.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

/** A numeric header field: octal text, or GNU's base-256 form (high bit set) for large sizes. */
function numberField(buf: Buffer, start: number, length: number): number {
  if (buf[start] & 0x80) {
    let v = buf[start] & 0x7f;
    for (let i = 1; i < length; i++) v = v * 256 + buf[start + i];
    return v;
  }
  const text = cString(buf, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function parseHeader(block: Buffer, archive: string): Header {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  const stored = numberField(block, 148, 8);
  if (!Number.isFinite(stored) || stored !== sum) {
    throw new DataError(`archive ${archive} is damaged: a tar header's checksum is ${stored}, its bytes sum to ${sum}`);
  }
  const prefix = cString(block, 345, 155);
  const name = cString(block, 0, 100);
  const size = numberField(block, 124, 12);
  if (!Number.isSafeInteger(size) || size < 0) throw new DataError(`archive ${archive} is damaged: member ${name} has size ${size}`);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size,
    type: String.fromCharCode(block[156] || 48),
    linkname: cString(block, 157, 100),
  };
}

/** The `path` record of a pax extended header, if any. */
function paxPath(body: Buffer): string | null {
  let at = 0;
  let found: string | null = null;
  while (at < body.length) {
    const space = body.indexOf(32, at);
    const len = parseInt(body.subarray(at, space).toString('utf8'), 10);
    if (space < 0 || !Number.isFinite(len) || len <= 0) break;
    const record = body.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') found = record.slice(eq + 1);
    at += len;
  }
  return found;
}

/** `./a/b` → `a/b`; throws for an absolute path or one with a `..` part. */
function memberPath(name: string, archive: string): string {
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) {
    throw new DataError(`archive ${archive} has a member with an absolute path (${JSON.stringify(name)}); refused, nothing was installed`);
  }
  const parts = name.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new DataError(
      `archive ${archive} has a member whose path climbs out of its folder (${JSON.stringify(name)}); refused, nothing was installed`,
    );
  }
  return parts.join('/');
}

const REGULAR = new Set(['0', '7']);
const KINDS: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a device',
  '4': 'a device',
  '5': 'a folder',
  '6': 'a FIFO',
};

/**
 * Streams `archive` (gzip-compressed tar) and writes each member named in `wanted` (member path
 * → file name) to `into/<file name>`. Returns what was written, keyed by member path; members not
 * in the archive are simply absent from the result (the caller decides whether that is an error).
 */
export async function extractMembers(archive: string, wanted: ReadonlyMap<string, string>, into: string): Promise<Map<string, Extracted>> {
  const out = new Map<string, Extracted>();
  let pending = Buffer.alloc(0);
  let header: Header | null = null; // the member whose data is being read
  let remaining = 0; // data bytes of that member still to come
  let padding = 0; // zero bytes after its data, up to the next block
  let longName: string | null = null; // from a GNU 'L' or pax 'x' member, for the next header
  // `as` keeps these unions from narrowing to null: the closures below assign them.
  let meta = null as Buffer[] | null; // body of an 'L' / 'x' member being collected
  let sink = null as { fd: number; hash: crypto.Hash; bytes: number; file: string; member: string } | null;
  let ended = false;

  const startMember = (h: Header): void => {
    const name = memberPath(longName ?? h.name, archive);
    longName = null;
    header = { ...h, name };
    remaining = h.size;
    padding = (BLOCK - (h.size % BLOCK)) % BLOCK;
    if (h.type === 'L' || h.type === 'x') {
      meta = [];
      return;
    }
    const target = wanted.get(name);
    if (target === undefined) return;
    if (!REGULAR.has(h.type)) {
      const kind = KINDS[h.type] ?? `a member of type '${h.type}'`;
      const to = h.linkname ? ` to ${JSON.stringify(h.linkname)}` : '';
      throw new DataError(`archive ${archive}: ${name} is ${kind}${to}, not a regular file; refused, nothing was installed`);
    }
    if (out.has(name)) throw new DataError(`archive ${archive} holds ${name} twice; refused, nothing was installed`);
    const file = path.join(into, target);
    sink = { fd: fs.openSync(file, 'wx'), hash: crypto.createHash('md5'), bytes: 0, file, member: name };
  };

  const endMember = (): void => {
    if (meta !== null) {
      const body = Buffer.concat(meta);
      longName = header!.type === 'L' ? cString(body, 0, body.length) : paxPath(body);
      meta = null;
    }
    if (sink !== null) {
      fs.closeSync(sink.fd);
      out.set(sink.member, { file: sink.file, bytes: sink.bytes, md5: sink.hash.digest('hex') });
      sink = null;
    }
    header = null;
  };

  try {
    const gunzip = fs.createReadStream(archive).pipe(zlib.createGunzip());
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      if (ended) continue; // bytes after the end-of-archive blocks are ignored, as tar does
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let at = 0;
      for (;;) {
        if (header !== null && remaining > 0) {
          const n = Math.min(remaining, pending.length - at);
          if (n === 0) break;
          const piece = pending.subarray(at, at + n);
          if (sink !== null) {
            fs.writeSync(sink.fd, piece);
            sink.hash.update(piece);
            sink.bytes += n;
          } else if (meta !== null) meta.push(Buffer.from(piece));
          remaining -= n;
          at += n;
          continue;
        }
        if (header !== null) {
          if (pending.length - at < padding) break;
          at += padding;
          endMember();
          continue;
        }
        if (pending.length - at < BLOCK) break;
        const block = pending.subarray(at, at + BLOCK);
        at += BLOCK;
        if (block.every((b) => b === 0)) {
          ended = true;
          break;
        }
        startMember(parseHeader(block, archive));
      }
      pending = pending.subarray(at);
    }
  } catch (e) {
    if (sink !== null) fs.closeSync(sink.fd);
    if (e instanceof DataError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new DataError(`archive ${archive} could not be read (${why}): it is damaged or not a .tar.gz`);
  }
  if (header !== null || !ended) {
    throw new DataError(`archive ${archive} ends in the middle of a member or before its end marker: it is truncated`);
  }
  return out;
}
