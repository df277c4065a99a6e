// `--version` or `-v` anywhere on the command line prints the version, before any parsing.
import { versionText } from '../version';
import { print } from './output';

export function printVersionIfAsked(args: string[]): boolean {
  if (!args.includes('--version') && !args.includes('-v')) return false;
  print(versionText());
  return true;
}
