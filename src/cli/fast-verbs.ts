// Every verb the full CLI parses without yargs (see fast-path.ts): the hot ones, create, run and
// exec, in the shapes containerd, podman and Docker send.
import type { Flags, FastVerbs } from './fast-path';
import { HOT_VERBS } from './hot-verbs';

const CREATE_FLAGS: Flags = {
  bundle: { type: 'string', alias: 'b', default: '.' },
  'pid-file': { type: 'string' },
  'no-pivot': { type: 'boolean', default: false },
  'preserve-fds': { type: 'number', default: 0 },
  'console-socket': { type: 'string' },
  'pidfd-socket': { type: 'string' },
  'no-new-keyring': { type: 'boolean', default: false },
};

// exec's options as commands/exec.ts declares them to yargs. A repeated -e/--cap/-g (yargs makes
// an array) is one of the forms left to yargs.
const EXEC_FLAGS: Flags = {
  'console-socket': { type: 'string' },
  'pidfd-socket': { type: 'string' },
  cwd: { type: 'string' },
  env: { type: 'string', alias: 'e' },
  tty: { type: 'boolean', alias: 't' },
  user: { type: 'string', alias: 'u' },
  'additional-gids': { type: 'string', alias: 'g' },
  process: { type: 'string', alias: 'p' },
  detach: { type: 'boolean', alias: 'd', default: false },
  'pid-file': { type: 'string' },
  'process-label': { type: 'string' },
  apparmor: { type: 'string' },
  'no-new-privs': { type: 'boolean', default: false },
  cap: { type: 'string', alias: 'c' },
  'preserve-fds': { type: 'number', default: 0 },
  cgroup: { type: 'string' },
  'ignore-paused': { type: 'boolean', default: false },
};

/* eslint-disable @typescript-eslint/no-require-imports */
export const FAST_VERBS: FastVerbs = {
  ...HOT_VERBS,
  create: { flags: CREATE_FLAGS, positionals: ['container-id'], load: () => require('./commands/create') },
  run: {
    flags: {
      ...CREATE_FLAGS,
      detach: { type: 'boolean', alias: 'd', default: false },
      keep: { type: 'boolean', default: false },
      'no-subreaper': { type: 'boolean', default: false },
    },
    positionals: ['container-id'],
    load: () => require('./commands/run'),
  },
  exec: {
    flags: EXEC_FLAGS,
    positionals: ['container-id'],
    load: () => require('./commands/exec'),
    // The process's command is cut off first, by the very function main.ts uses for yargs.
    cut: (args, i) => (require('./commands/exec') as typeof import('./commands/exec')).takeCommand(args, i),
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */
