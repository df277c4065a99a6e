// What this tsrunc is: its version, the runtime-spec version it implements (the one of the schemas
// it validates against), and what the build recorded (scripts/build-info.js).
import { BUILD_COMMIT, LIBSECCOMP_VERSION } from './generated/build-info';

export const OCI_VERSION = '1.3.0';
export const TSRUNC_VERSION = '0.1.0';

export interface VersionInfo {
  version: string;
  /** `git describe --always --dirty` at build, "unknown" when built without git. */
  commit: string;
  /** The runtime-spec version implemented. */
  spec: string;
  libseccomp: string;
}

export function versionInfo(): VersionInfo {
  return { version: TSRUNC_VERSION, commit: BUILD_COMMIT, spec: OCI_VERSION, libseccomp: LIBSECCOMP_VERSION };
}

/** `--version` in runc's shape; dockerd parses the `commit:` line. */
export function versionText(v: VersionInfo = versionInfo()): string {
  return `tsrunc version ${v.version}\ncommit: ${v.commit}\nspec: ${v.spec}\nlibseccomp: ${v.libseccomp}`;
}
