import { TsruncError } from '../errors';

// Same rule as runc: the id becomes a directory name under --root, so it must not be able to
// name anything else ("..", "a/b", hidden files).
const ID_PATTERN = /^[A-Za-z0-9_+\-.]+$/;

export function validateId(id: string): void {
  if (!id) throw new TsruncError('INVALID_ID', 'container id cannot be empty');
  if (!ID_PATTERN.test(id) || id.startsWith('.') || id.length > 1024) {
    throw new TsruncError('INVALID_ID', `invalid container id "${id}": use letters, digits and _+-. (not starting with a dot)`);
  }
}
