// Builds artifact bundles the way sentry-cli lays them out (protocol.md §8.3): `SYSB` + u32 LE 2,
// then a ZIP (stored entries) whose offsets count from the start of the file.
import { crc32 } from 'node:zlib';

export interface BundleEntry {
  path: string;
  content: string | Buffer;
}

export function makeArtifactBundle(manifest: unknown, files: BundleEntry[]): Buffer {
  const entries = [{ path: 'manifest.json', content: JSON.stringify(manifest) }, ...files];
  const header = Buffer.alloc(8);
  header.write('SYSB', 0, 'latin1');
  header.writeUInt32LE(2, 4);
  const parts: Buffer[] = [header];
  const central: Buffer[] = [];
  let offset = header.length;
  for (const e of entries) {
    const name = Buffer.from(e.path);
    const data = Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(data.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    central.push(dir, name);
    parts.push(local, name, data);
    offset += local.length + name.length + data.length;
  }
  const dirBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dirBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dirBuf, end]);
}
