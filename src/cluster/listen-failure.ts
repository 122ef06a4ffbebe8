import { AppError } from '../errors.js';

// A port that cannot be opened is the operator's to fix, and no restart changes that: one line that says
// which port and why, then a non-zero exit (a worker's restart loop would only repeat it).

/** Worker → primary: this worker could not open the port; `reason` is the line to show. */
export const LISTEN_FAILED_MESSAGE = 'signet:listen-failed';

export interface ListenFailedMessage {
  type: typeof LISTEN_FAILED_MESSAGE;
  reason: string;
}

export function isListenFailedMessage(message: unknown): message is ListenFailedMessage {
  return (
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === LISTEN_FAILED_MESSAGE
  );
}

/** The one line for a failed listen on `port`, or undefined when the error is not about the port. */
export function describeListenFailure(err: unknown, port: number): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE')
    return `port ${port} is already in use: another program listens on it (stop it, or set PORT to a free port)`;
  if (code === 'EACCES')
    return `port ${port} may not be opened by this user (EACCES): set PORT to 1024 or above, or let a proxy in front take the low port`;
  if (code === 'EADDRNOTAVAIL')
    return `port ${port} cannot be opened: the address is not available on this machine (EADDRNOTAVAIL)`;
  return undefined;
}

/** Ends the start; main prints its message as is. */
export class ListenFailure extends AppError {
  constructor(reason: string) {
    super('listen_failed', reason, 500, true);
  }
}
