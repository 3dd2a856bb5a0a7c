/**
 * A minimal tar.gz writer for tests: regular files, links and hostile member names that the system
 * tar would refuse to create (`../x`, `/etc/x`), so the extractor's refusals can be tested.
 */
import * as zlib from 'node:zlib';

export interface TarMember {
  name: string;
  body?: Buffer | string;
  /** '0' regular (default), '1' hard link, '2' symbolic link, '5' folder. */
  type?: '0' | '1' | '2' | '5';
  linkname?: string;
}

function field(block: Buffer, start: number, length: number, text: string): void {
  block.write(text.slice(0, length), start, 'utf8');
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(m: TarMember, size: number): Buffer {
  const block = Buffer.alloc(512);
  let name = m.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', name.length - 1 - 0);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  field(block, 0, 100, name);
  field(block, 100, 8, octal(m.type === '5' ? 0o755 : 0o644, 8));
  field(block, 108, 8, octal(0, 8));
  field(block, 116, 8, octal(0, 8));
  field(block, 124, 12, octal(size, 12));
  field(block, 136, 12, octal(1_700_000_000, 12));
  block.fill(32, 148, 156);
  field(block, 156, 1, m.type ?? '0');
  field(block, 157, 100, m.linkname ?? '');
  field(block, 257, 6, 'ustar\0');
  field(block, 263, 2, '00');
  field(block, 345, 155, prefix);
  let sum = 0;
  for (const b of block) sum += b;
  field(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** The gzip-compressed tar of `members` (gzip level 1: tests pack tens of MB). */
export function tarGz(members: TarMember[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const body = m.type === undefined || m.type === '0' ? Buffer.from(m.body ?? '') : Buffer.alloc(0);
    parts.push(header(m, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(parts), { level: 1 });
}
