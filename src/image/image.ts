// An image as the bundle tool uses it, whatever format it came in: its config and its layers,
// bottom first.
import type { LayerSource } from '../layers/store';
import type { ImageConfig } from './image-config';

export interface Image {
  /** What the user named, for messages and the bundle's record. */
  name: string;
  config: ImageConfig;
  layers: LayerSource[];
}
