import { systemError } from '../errors';
import { isSameLiveProcess } from './proc';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the recorded process is gone (or a zombie). False on timeout. */
export async function waitGone(pid: number, startTime: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; isSameLiveProcess(pid, startTime); delay = Math.min(delay * 2, 50)) {
    if (Date.now() > deadline) return false;
    await sleep(delay);
  }
  return true;
}

/** Signals a process only if it is still the one recorded (never a reused pid). */
export function signalRecorded(pid: number, startTime: string, signal: number): boolean {
  if (!isSameLiveProcess(pid, startTime)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw systemError(`cannot signal pid ${pid}`, e);
  }
}
