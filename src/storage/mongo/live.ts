import type { Filter } from 'mongodb';

/** What an OIDC record document holds about its own end: null, never. */
interface Expiring {
  expiresAt: Date | null;
}

/**
 * The documents still live at `now`. The TTL monitor runs once a minute at best (never, where the server
 * has none), so reads must never trust it to have removed the rest.
 */
export function liveFilter<T extends Expiring>(now: number): Filter<T> {
  return { $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date(now) } }] } as Filter<T>;
}

/** The same rule for a single document already fetched. */
export function isLive(doc: Expiring, now: number): boolean {
  return doc.expiresAt === null || doc.expiresAt.getTime() > now;
}
