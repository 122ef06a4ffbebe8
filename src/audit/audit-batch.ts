import { AsyncResource } from 'node:async_hooks';
import type { AuditEvent, AuditStore } from '../storage/store.js';

interface Waiting {
  event: AuditEvent;
  resolve(): void;
  reject(err: unknown): void;
}

/** Runs `flush` on the next turn of the event loop (or however the caller prefers). */
export type NextTurn = (flush: () => void) => void;

/**
 * Group commit for the audit trail. A busy server records an event for nearly every token it issues, and
 * each event must be durable before the client learns the outcome it records; written one by one, that
 * is a store call per request, a round trip on a networked store. So the events recorded during one turn
 * of the event loop are written together, in one store call, on the next turn; events recorded while a
 * write is under way wait for it and go together in the one after. Each caller's promise settles only
 * when the write holding its event has: nothing is acknowledged before it is stored, and a lone event
 * waits one turn of the loop, not a timer.
 *
 * A write that fails fails every event it held (the store's write is all or none on SQLite; on MongoDB
 * the events before the failing one are kept, which leaves a trail of events whose requests then failed,
 * never the reverse). Event ids are unique by construction, so what fails a write is the store itself,
 * which would have failed each event written alone as well.
 */
export class AuditBatch {
  private waiting: Waiting[] = [];
  private writing = false;
  private scheduled = false;
  private readonly nextTurn: NextTurn;

  constructor(
    private readonly store: AuditStore,
    nextTurn: NextTurn = (flush) => setImmediate(flush),
  ) {
    // The write serves many requests: bound here, it runs outside the context of whichever one came first.
    this.nextTurn = AsyncResource.bind(nextTurn);
  }

  append(event: AuditEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    this.nextTurn(() => void this.write());
  }

  private async write(): Promise<void> {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    this.writing = true;
    try {
      await this.store.append(batch.map((w) => w.event));
      for (const w of batch) w.resolve();
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.writing = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }
}
