import {
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoWriteConcernError,
} from 'mongodb';

// Server answers that mean "no primary right now" (an election, a shutdown, a lagging majority):
// the same codes the driver's retryable-read rules treat as transient.
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  64, // WriteConcernTimeout: the majority did not acknowledge in time
  89, // NetworkTimeout
  91, // ShutdownInProgress
  133, // FailedToSatisfyReadPreference
  134, // ReadConcernMajorityNotAvailableYet
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * Outage, not bug: lost connections (the pool-cleared error is one), no selectable server, or a server
 * that is stepping down. Duplicate keys, validation and the like stay ordinary errors.
 */
export function isMongoUnavailable(err: unknown): boolean {
  if (
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNotConnectedError
  ) {
    return true;
  }
  if (err instanceof MongoWriteConcernError) return true;
  if (err instanceof MongoError) {
    const code = typeof err.code === 'number' ? err.code : undefined;
    return (code !== undefined && TRANSIENT_CODES.has(code)) || err.hasErrorLabel('RetryableWriteError');
  }
  return false;
}
