// Where the library reports what is not an error: warnings about accepted oddities in a config,
// debug traces. The CLI writes these in runc's log formats; library users pass their own.
export interface Logger {
  debug(msg: string): void;
  warn(msg: string): void;
}

export const silentLogger: Logger = { debug() {}, warn() {} };
