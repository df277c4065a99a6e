// pause / resume: freeze or thaw every process of the container through cgroup.freeze.
import { crashPoint } from '../crash-point';
import { managerFor } from '../cgroups/cgroup-manager';
import { TsruncError } from '../errors';
import { withContainer } from './container';

export function setPaused(root: string, id: string, paused: boolean): void {
  withContainer(root, id, {}, (c) => {
    const stored = c.stored;
    const status = c.status();
    if (!stored.cgroup) throw new TsruncError('NOT_SUPPORTED', `container ${id} has no cgroup to freeze`);
    if (paused && status !== 'running') throw new TsruncError('INVALID_STATE', `container ${id} is not running (${status})`);
    if (!paused && status !== 'paused') throw new TsruncError('INVALID_STATE', `container ${id} is not paused (${status})`);
    crashPoint('pause:locked');
    managerFor(stored.cgroup).setFrozen(paused);
  });
}
