import * as fs from 'node:fs';

/** Writes to stdout synchronously, without turning fd 1 non-blocking (see log.ts). */
export function print(text: string): void {
  fs.writeSync(1, text.endsWith('\n') ? text : text + '\n');
}
