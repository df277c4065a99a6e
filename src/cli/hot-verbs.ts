// The fast-path rows of the verbs clients call most and that do the least: state, start, kill,
// delete. fast-verbs.ts adds create, run and exec. Each row loads its command module only when run:
// a per-verb bundle (verb-main.ts) holds only its own verb's.
import type { FastVerbs } from './fast-path';

/* eslint-disable @typescript-eslint/no-require-imports */
export const HOT_VERBS: FastVerbs = {
  state: { flags: {}, positionals: ['container-id'], load: () => require('./commands/state') },
  start: { flags: {}, positionals: ['container-id'], load: () => require('./commands/start') },
  kill: {
    flags: { all: { type: 'boolean', alias: 'a', default: false } },
    positionals: ['container-id', 'signal?'],
    defaults: { signal: 'SIGTERM' },
    load: () => require('./commands/kill'),
  },
  delete: {
    flags: { force: { type: 'boolean', alias: 'f', default: false } },
    positionals: ['container-id'],
    load: () => require('./commands/delete'),
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */
