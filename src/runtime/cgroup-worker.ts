// A container's cgroup set-up on a worker thread, for in-process callers that run many containers.
//
// setUpCgroup makes a directory in every hierarchy (ten on this hybrid host) and writes the
// limits: each mkdir takes the kernel's global cgroup mutex, which every other cgroup operation of
// the machine contends for. Under load that is several ms per container (7 ms at load 30 here),
// during which the main thread would stand still. The same synchronous code runs here on one
// worker, in order; the main thread awaits the record. The CLI (one container) calls it directly.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import type { AnySetup, CgroupRecord } from '../cgroups/cgroup-manager';
import { TsruncError, type ErrorCode } from '../errors';

interface Failure {
  code?: ErrorCode;
  message: string;
  pointer?: string;
  errno?: string;
  syscall?: string;
}

type Reply = { id: number; record: CgroupRecord } | { id: number; error: Failure };

const source = (driver: string): string => `
const { parentPort } = require('node:worker_threads');
const { setUpCgroup } = require(${JSON.stringify(driver)});
parentPort.on('message', ({ id, setup }) => {
  try {
    parentPort.postMessage({ id, record: setUpCgroup(setup) });
  } catch (e) {
    const { code, message, pointer, errno, syscall } = e ?? {};
    parentPort.postMessage({ id, error: { code, message: String(message ?? e), pointer, errno, syscall } });
  }
});
`;

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (r: CgroupRecord) => void; reject: (e: unknown) => void }>();

function settle(id: number): ReturnType<typeof waiting.get> {
  const w = waiting.get(id);
  waiting.delete(id);
  if (waiting.size === 0) worker?.unref(); // an idle worker never keeps the process alive
  return w;
}

function theWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(source(path.join(__dirname, '..', 'cgroups', 'cgroup-manager.js')), { eval: true });
  w.on('message', (m: Reply) => {
    const p = settle(m.id);
    if ('record' in m) p?.resolve(m.record);
    else p?.reject(new TsruncError(m.error.code ?? 'SYSTEM', m.error.message, { pointer: m.error.pointer, errno: m.error.errno, syscall: m.error.syscall }));
  });
  // A worker that dies fails what it was doing; the next set-up starts a new one.
  const lost = (why: string) => {
    if (worker === w) worker = undefined;
    for (const id of [...waiting.keys()]) settle(id)?.reject(new TsruncError('SYSTEM', `cgroup set-up worker ${why}`));
  };
  w.on('error', (e) => lost(`failed: ${e.message}`));
  w.on('exit', (code) => lost(`exited (${code})`));
  w.unref();
  worker = w;
  return w;
}

/** setUpCgroup (cgroups/cgroup-manager.ts) on the worker: the same record, the same errors. */
export function setUpCgroupOffThread(setup: AnySetup): Promise<CgroupRecord> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    const w = theWorker();
    w.ref();
    w.postMessage({ id, setup });
  });
}
