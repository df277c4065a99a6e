// Whether a bundle uses a volume: its record lists it. A mark left by a bundle that is gone (or was
// made again without the volume) is stale and does not keep the volume.
import { readRecord } from './record';

export function isVolumeUser(bundle: string, volume: string): boolean {
  try {
    return readRecord(bundle)?.volumes.some((v) => v.name === volume) ?? false;
  } catch {
    return true; // a record that cannot be read: keep the volume, rather than lose data
  }
}
