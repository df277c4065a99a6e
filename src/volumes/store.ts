// The volume store: <store>/volumes/<name>/_data is what a container sees at the volume's path (a
// bind mount the runtime makes at create, like every other), meta.json says whether it is anonymous,
// users/<key> records each bundle that mounts it. A volume lives until `volume rm`/`prune`, never
// going with a bundle (Docker's rule for `docker rm` without -v); one a bundle still uses is
// refused. Changes are made under an exclusive flock of <store>/volumes/.lock.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

import { TsruncError } from '../errors';
import { addon } from '../native/addon';
import { removeWithinMount } from '../bundle/remove-within-mount';

export interface VolumeInfo {
  name: string;
  path: string;
  anonymous: boolean;
  /** Bundle directories that mount it. */
  usedBy: string[];
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

export function checkVolumeName(name: string): void {
  if (!NAME.test(name)) throw new TsruncError('INVALID_ARGUMENT', `invalid volume name ${JSON.stringify(name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
}

const userKey = (bundle: string): string => crypto.createHash('sha256').update(bundle).digest('hex').slice(0, 32);

export class VolumeStore {
  readonly dir: string;
  constructor(storeRoot: string, private readonly isUser: (bundle: string, volume: string) => boolean) {
    this.dir = `${storeRoot}/volumes`;
  }

  dataDir(name: string): string {
    return `${this.dir}/${name}/_data`;
  }

  /** Runs `fn` holding the store's lock. */
  locked<T>(fn: () => T): T {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const fd = fs.openSync(`${this.dir}/.lock`, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    try {
      addon().flock(fd, true, true);
      return fn();
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * The volume `vol`, created if missing and marked as used by
   * `bundle`; `created` says whether it is new (and so to be seeded). Call under locked().
   */
  acquire(vol: string, anonymous: boolean, bundle: string): { name: string; path: string; created: boolean } {
    checkVolumeName(vol);
    const top = `${this.dir}/${vol}`;
    const created = !fs.existsSync(`${top}/meta.json`);
    if (created) {
      // _data first, meta.json last: a volume without meta.json is a creation that did not finish.
      fs.mkdirSync(`${top}/users`, { recursive: true, mode: 0o700 });
      fs.mkdirSync(`${top}/_data`, { recursive: true, mode: 0o755 });
      fs.writeFileSync(`${top}/meta.json`, JSON.stringify({ anonymous, created: new Date().toISOString() }) + '\n');
    }
    fs.writeFileSync(`${top}/users/${userKey(bundle)}`, bundle);
    return { name: vol, path: `${top}/_data`, created };
  }

  /** `bundle` no longer uses the volume (a missing mark is no error: removal may run twice). */
  release(name: string, bundle: string): void {
    fs.rmSync(`${this.dir}/${name}/users/${userKey(bundle)}`, { force: true });
  }

  list(): VolumeInfo[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((n) => NAME.test(n));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: VolumeInfo[] = [];
    for (const name of names.sort()) {
      let meta: { anonymous?: boolean };
      try {
        meta = JSON.parse(fs.readFileSync(`${this.dir}/${name}/meta.json`, 'utf8')) as { anonymous?: boolean };
      } catch {
        continue; // not finished being created
      }
      out.push({ name, path: this.dataDir(name), anonymous: meta.anonymous === true, usedBy: this.users(name) });
    }
    return out;
  }

  /** The bundles that still use the volume (a mark whose bundle is gone or no longer lists it is stale). */
  private users(name: string): string[] {
    let keys: string[] = [];
    try {
      keys = fs.readdirSync(`${this.dir}/${name}/users`);
    } catch {
      return [];
    }
    const live: string[] = [];
    for (const key of keys) {
      const bundle = fs.readFileSync(`${this.dir}/${name}/users/${key}`, 'utf8');
      if (this.isUser(bundle, name)) live.push(bundle);
    }
    return live;
  }

  /** Removes a volume nobody uses; INVALID_STATE naming the bundle otherwise. */
  remove(name: string): void {
    checkVolumeName(name);
    this.locked(() => {
      const top = `${this.dir}/${name}`;
      if (!fs.existsSync(top)) throw new TsruncError('INVALID_ARGUMENT', `no such volume: ${name}`);
      const users = this.users(name);
      if (users.length) throw new TsruncError('INVALID_STATE', `volume ${name} is in use by the bundle ${users[0]}`);
      // meta.json first: a removal cut short leaves a directory `list` no longer shows and `rm` finishes.
      fs.rmSync(`${top}/meta.json`, { force: true });
      removeWithinMount(top);
    });
  }

  /** Removes every unused anonymous volume (`all`: named ones too); the names removed. */
  prune(all = false): string[] {
    const removed: string[] = [];
    for (const v of this.list()) {
      if (v.usedBy.length || (!v.anonymous && !all)) continue;
      try {
        this.remove(v.name);
        removed.push(v.name);
      } catch (e) {
        if (!(e instanceof TsruncError && e.code === 'INVALID_STATE')) throw e;
      }
    }
    return removed;
  }
}
