// An entry's xattrs as bytes. A layer stores them as PAX records `SCHILY.xattr.NAME=VALUE` (Go's
// archive/tar, GNU tar, star), and writes NAME and VALUE as the raw bytes the file had: a file
// capability (security.capability) is a binary struct, and a user.* name may be any bytes. tar-stream
// decodes every PAX record as UTF-8 text, which turns such bytes into U+FFFD for good; so this file
// re-reads the same PAX block as bytes and hangs the xattrs on the header tar-stream hands out.
//
// The hook: tar-stream's extractor decodes a PAX block in `_decodeLongHeader(buf)` (tar-stream 3.x,
// pinned by package-lock.json) and passes the object it made on as `header.pax`. We wrap that one
// method of our own extractor instance and add the raw list under a symbol key; tar-stream copies
// it along (Object.assign keeps symbol keys). If a tar-stream upgrade renames the method,
// `extractKeepingXattrBytes` fails loudly rather than losing bytes silently.
import * as tarStream from 'tar-stream';

const XATTR_KEY = Buffer.from('SCHILY.xattr.');

export type RawXattr = [name: Buffer, value: Buffer];

const RAW = Symbol('tsrunc.rawXattrs');

/** The SCHILY.xattr records of a PAX block, name and value byte for byte. */
export function decodePaxXattrs(block: Buffer): RawXattr[] {
  const out: RawXattr[] = [];
  let at = 0;
  while (at < block.length) {
    // "LEN KEY=VALUE\n", LEN counting the whole record in bytes.
    const space = block.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number.parseInt(block.subarray(at, space).toString('latin1'), 10);
    if (!(len > 0) || at + len > block.length) break;
    const record = block.subarray(space + 1, at + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq > 0 && record.subarray(0, XATTR_KEY.length).equals(XATTR_KEY)) {
      out.push([Buffer.from(record.subarray(XATTR_KEY.length, eq)), Buffer.from(record.subarray(eq + 1))]);
    }
    at += len;
  }
  return out;
}

interface ExtractInternals {
  _decodeLongHeader(buf: Buffer): void;
  _header: { type: string } | null;
  _pax: Record<string | symbol, unknown> | null;
  _paxGlobal: Record<string | symbol, unknown> | null;
}

/** tar-stream's extractor, with every entry's `header.pax` carrying its xattrs as bytes (rawXattrsOf). */
export function extractKeepingXattrBytes(): tarStream.Extract {
  const extract = tarStream.extract();
  const inner = extract as unknown as ExtractInternals;
  const decode = inner._decodeLongHeader;
  if (typeof decode !== 'function') throw new Error('tar-stream changed: _decodeLongHeader is gone (see src/layers/pax-xattrs.ts)');
  inner._decodeLongHeader = function (this: ExtractInternals, buf: Buffer) {
    decode.call(this, buf);
    const type = this._header?.type;
    if (type === 'pax-header' && this._pax) {
      // A global header's xattrs apply unless the entry's own header names the same attribute.
      const global = (this._paxGlobal?.[RAW] as RawXattr[] | undefined) ?? [];
      const own = decodePaxXattrs(buf);
      this._pax[RAW] = [...global.filter(([g]) => !own.some(([n]) => n.equals(g))), ...own];
    } else if (type === 'pax-global-header' && this._paxGlobal) {
      this._paxGlobal[RAW] = decodePaxXattrs(buf);
    }
  };
  return extract;
}

/** The entry's xattrs as bytes (none when it had no PAX header). */
export function rawXattrsOf(header: tarStream.Header): RawXattr[] {
  const pax = (header as { pax?: Record<string | symbol, unknown> }).pax;
  return (pax?.[RAW] as RawXattr[] | undefined) ?? [];
}
