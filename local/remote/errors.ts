// Problems talking to the deployed (or local) API that the user can fix: one line says what to do, exit 2.
import { UsageError } from '../cli-options';

export class RemoteError extends UsageError {
  override name = 'RemoteError';
}
