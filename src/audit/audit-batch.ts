import type { AuditEvent, AuditStore } from '../storage/store.js';
import { TurnBatch } from '../util/turn-batch.js';

/**
 * Group commit for the audit trail. A busy server records an event for nearly every token it issues, and
 * each event must be durable before the client learns the outcome it records; written one by one, that
 * is a store call per request, a round trip on a networked store. So the events recorded during one turn
 * of the event loop are written together, in one store call, on the next turn; events recorded while a
 * write is under way wait for it and go together in the one after. Each caller's promise settles only
 * when the write holding its event has: nothing is acknowledged before it is stored.
 *
 * A write that fails fails every event it held (the store's write is all or none on SQLite; on MongoDB
 * the events before the failing one are kept, which leaves a trail of events whose requests then failed,
 * never the reverse). Event ids are unique by construction, so what fails a write is the store itself,
 * which would have failed each event written alone as well.
 */
export class AuditBatch {
  private readonly batch: TurnBatch<AuditEvent, undefined>;

  constructor(store: AuditStore) {
    this.batch = new TurnBatch(async (events) => {
      await store.append(events);
      return events.map(() => undefined);
    }, true);
  }

  append(event: AuditEvent): Promise<void> {
    return this.batch.add(event);
  }
}
