// What the cgroup compilers produce: plain data, so they can be unit-tested without root and the
// executor only has to open files and write strings.

import { pointer, type ConfigProblem } from '../errors';

/** One write(2) into a file of the container's own cgroup directory. */
export interface CgroupWrite {
  /** A file name in the container's cgroup directory, never a path (e.g. "memory.max"). */
  file: string;
  /** The exact text to write, in one write(2) call. 64-bit values are exact decimal strings. */
  value: string;
  /** The config.json field it comes from (RFC 6901), for error messages. */
  pointer: string;
  /**
   * What to do when the file does not exist (ENOENT). Absent: that is an error.
   * - 'skip': the file belongs to an optional kernel feature and the value only restates what runc
   *   also lets slide there (e.g. memory.swap.max without swap accounting);
   * - { file, value }: write this instead (runc's io.bfq.weight -> io.weight fallback).
   */
  ifMissing?: 'skip' | { file: string; value: string };
}

/** What one controller's compiler returns. Problems reject the config; warnings are printed. */
export interface ControllerResult {
  writes: CgroupWrite[];
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

/** Accumulates a ControllerResult; every compiler fills one. */
export class ResultBuilder implements ControllerResult {
  readonly writes: CgroupWrite[] = [];
  readonly problems: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];

  write(file: string, value: string, ptr: string, ifMissing?: CgroupWrite['ifMissing']): void {
    this.writes.push(ifMissing === undefined ? { file, value, pointer: ptr } : { file, value, pointer: ptr, ifMissing });
  }

  problem(ptr: string, message: string): void {
    this.problems.push({ pointer: ptr, message });
  }

  warn(ptr: string, message: string): void {
    this.warnings.push({ pointer: ptr, message });
  }

  result(): ControllerResult {
    return { writes: this.writes, problems: this.problems, warnings: this.warnings };
  }
}

/** JSON pointer of a field under /linux/resources. */
export function resourcePointer(...segments: (string | number)[]): string {
  return pointer('linux', 'resources', ...segments);
}
