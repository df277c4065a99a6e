// runc's checkpoint and restore (CRIU): listed, with help, so that `tsrunc checkpoint -h` and scripts
// probing for the verb get an answer; running either says plainly that tsrunc does not have it.
import type { Argv } from 'yargs';

import { TsruncError } from '../../errors';
import type { GlobalArgs } from '../context';

const NOT_SUPPORTED = 'not supported by tsrunc (it has no CRIU support)';

function notSupported(verb: string) {
  return {
    command: `${verb} <container-id>`,
    describe: `${verb === 'checkpoint' ? 'checkpoint a running container' : 'restore a container from a previous checkpoint'}: ${NOT_SUPPORTED}`,
    // runc's flags (--image-path, --work-path, ...) are accepted, whatever they are: the answer is the same.
    builder: (y: Argv<GlobalArgs>) => y.positional('container-id', { type: 'string', demandOption: true }).strict(false),
    handler: (): number => {
      throw new TsruncError('NOT_SUPPORTED', `${verb} is ${NOT_SUPPORTED}`);
    },
  };
}

export const checkpoint = notSupported('checkpoint');
export const restore = notSupported('restore');
