// Where tsrunc keeps layers and volumes: /var/lib/tsrunc for root (as /var/lib/containers,
// /var/lib/docker), $XDG_DATA_HOME/tsrunc (default ~/.local/share/tsrunc) for anyone else, as
// rootless podman keeps its storage. `--store` overrides it.
import * as os from 'node:os';

export function defaultStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (process.geteuid?.() === 0) return '/var/lib/tsrunc';
  const data = env.XDG_DATA_HOME || `${env.HOME || os.homedir()}/.local/share`;
  return `${data}/tsrunc`;
}
