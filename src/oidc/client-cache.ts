import { AsyncResource } from 'node:async_hooks';
import type { Logger } from 'pino';
import type { Clock, OidcPayload, OidcRecordStore } from '../storage/store.js';

export interface ClientCacheOptions {
  records: Pick<OidcRecordStore, 'clientChanges'>;
  clock: Clock;
  /** How often the store's change counter is read; 0: no cache, every lookup reads the store. */
  intervalMs: number;
  logger: Logger;
  /** The longest an entry is served, whatever the counter says: what heals a change whose mark was lost. */
  maxAgeMs?: number;
  /** Entries kept at most; the oldest go first. */
  maxEntries?: number;
  /**
   * Whether the store answers now. While it does not, nothing kept is served: a node cut off from its
   * store cannot know what changed meanwhile, and a request then fails as every other store read does.
   */
  storeUp: () => boolean;
}

interface Entry {
  payload: OidcPayload;
  at: number;
}

/**
 * Client registrations (relying parties and resource servers), kept in memory by a serving node. Every
 * token, introspection and userinfo request reads its client, most reads of the store a request makes
 * are for the same few clients, and on a networked store each is a round trip.
 *
 * A client changes rarely and from anywhere: this node, another node, the CLI, an import. Every write of
 * a client moves the store's change counter (OidcRecordStore.clientChanges), which each node re-reads
 * every `intervalMs` and drops everything it keeps when it has moved. A change made elsewhere therefore
 * reaches this node within one interval (a second by default); one made here is dropped at once. Only
 * what a client is registered as is kept: nothing that revocation must reach (tokens, grants, sessions,
 * accounts) is ever served from here. Unknown ids are not kept either, so a client registered on another
 * node is usable here at once.
 *
 * Until start() (the CLI, which serves nothing) and with an interval of 0, every lookup reads the store.
 */
export class ClientCache {
  private readonly entries = new Map<string, Entry>();
  /** Moves with every drop, so a read that started before a drop does not put back what it found. */
  private generation = 0;
  private mark: number | undefined;
  private unreadable = false;
  private active = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  // A re-read belongs to no request: bound here, it runs outside the context of whichever request started the cache.
  private readonly schedule: (tick: () => void, ms: number) => NodeJS.Timeout;

  constructor(private readonly opts: ClientCacheOptions) {
    this.maxAgeMs = opts.maxAgeMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.schedule = AsyncResource.bind((tick: () => void, ms: number) => setTimeout(tick, ms).unref());
  }

  /** Reads the counter once, then keeps clients and re-reads it every interval. */
  async start(): Promise<void> {
    if (this.opts.intervalMs <= 0 || this.active) return;
    this.active = true;
    await this.refresh();
  }

  stop(): void {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.drop();
  }

  /** Re-reads the store's counter now, drops everything if it moved (or cannot be read), and schedules the next read. */
  async refresh(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (!this.active) return;
    try {
      const mark = await this.opts.records.clientChanges();
      if (this.unreadable) this.opts.logger.info('client change counter readable again; clients kept in memory');
      this.unreadable = false;
      if (mark !== this.mark) {
        this.drop();
        this.mark = mark;
      }
    } catch (err) {
      // Without the counter, nothing kept can be vouched for: every lookup reads the store until it answers.
      this.drop();
      this.mark = undefined;
      // Once per outage, not once per interval.
      if (!this.unreadable)
        this.opts.logger.warn({ err }, 'client change counter unreadable; clients are read from the store');
      this.unreadable = true;
    }
    if (this.running()) this.timer = this.schedule(() => void this.refresh(), this.opts.intervalMs);
  }

  /** `id`'s registration, from memory when this node holds a fresh one, else from `read`. */
  async find(id: string, read: () => Promise<OidcPayload | undefined>): Promise<OidcPayload | undefined> {
    if (!this.active || this.mark === undefined) return read();
    if (!this.opts.storeUp()) {
      this.drop();
      return read();
    }
    const now = this.opts.clock();
    const kept = this.entries.get(id);
    if (kept && now - kept.at < this.maxAgeMs) return structuredClone(kept.payload);
    const generation = this.generation;
    const found = await read();
    if (found && generation === this.generation && this.running()) {
      this.entries.delete(id);
      this.entries.set(id, { payload: structuredClone(found), at: now });
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    }
    return found;
  }

  /** This node wrote or removed a client: what it kept of any client is not served again. */
  changed(): void {
    this.drop();
  }

  /** Read afresh after an await: stop() may have run meanwhile. */
  private running(): boolean {
    return this.active;
  }

  private drop(): void {
    this.entries.clear();
    this.generation++;
  }
}
