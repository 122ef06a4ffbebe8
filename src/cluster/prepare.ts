import cluster from 'node:cluster';
import type { StartFacts } from '../observability/start-report.js';

// Under WORKERS > 1 the primary only supervises. What must happen once before workers start (migrations,
// the first keys, the development secret) runs in a short-lived child of its own, so the primary never
// loads the store, the hasher or the key service, and stays a small process for as long as it runs.

/** The environment variable that makes a forked process the one-shot preparer instead of a worker. */
export const PREPARE_ENV = 'SIGNET_PREPARE';

/** Preparer → primary: done, and what the start report says. */
export const PREPARED_MESSAGE = 'signet:prepared';

export interface PreparedMessage {
  type: typeof PREPARED_MESSAGE;
  facts: StartFacts;
}

export function isPreparedMessage(message: unknown): message is PreparedMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === PREPARED_MESSAGE;
}

/** Whether this process was forked to prepare (and then exit), not to serve. */
export function isPreparer(env: NodeJS.ProcessEnv): boolean {
  return cluster.isWorker && env[PREPARE_ENV] === '1';
}

/**
 * Forks the preparer and resolves with its facts once it has exited cleanly. It reports its own
 * failure on stderr (inherited); the primary then stops with a one-line reason.
 */
export function prepareInChild(): Promise<StartFacts> {
  return new Promise((resolve, reject) => {
    const child = cluster.fork({ [PREPARE_ENV]: '1' });
    let facts: StartFacts | undefined;
    child.on('message', (message: unknown) => {
      if (isPreparedMessage(message)) facts = message.facts;
    });
    child.once('exit', (code, signal) => {
      if (facts && code === 0) resolve(facts);
      else
        reject(new Error(`preparing the store and keys failed (exit ${String(code)}${signal ? `, ${signal}` : ''})`));
    });
  });
}
