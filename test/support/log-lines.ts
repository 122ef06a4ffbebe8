// Captures an app's JSON log lines (AppOverrides.logStream) and lets a test wait for one: an event,
// never a timed sleep.

import { EventEmitter } from 'node:events';

export interface LogLines {
  readonly stream: { write(line: string): void };
  readonly lines: Array<Record<string, unknown>>;
  /** Resolves with the first line (already written or to come) for which `match` holds. */
  next(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function captureLogLines(): LogLines {
  const events = new EventEmitter();
  const lines: Array<Record<string, unknown>> = [];
  return {
    lines,
    stream: {
      write(line: string) {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        events.emit('line', parsed);
      },
    },
    next(match, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const found = lines.find(match);
        if (found) {
          resolve(found);
          return;
        }
        const onLine = (line: Record<string, unknown>) => {
          if (!match(line)) return;
          clearTimeout(timer);
          events.off('line', onLine);
          resolve(line);
        };
        const timer = setTimeout(() => {
          events.off('line', onLine);
          reject(new Error(`no matching log line within ${timeoutMs} ms`));
        }, timeoutMs);
        events.on('line', onLine);
      });
    },
  };
}
