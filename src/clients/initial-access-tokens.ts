import { errors, type ClientMetadata, type KoaContextWithOIDC } from 'oidc-provider';
import { actedBy, AUDIT, CLI_OPERATOR, type Actor, type AuditLog } from '../audit/audit-log.js';
import { FieldError, NotFoundError } from '../errors.js';
import type { OidcPayload, OidcRecordStore } from '../storage/store.js';
import { storedTokenId } from '../oidc/adapter.js';
import { PKCE_OPTIONAL_POLICY, type PkcePolicy } from './client-metadata.js';
import type { ProviderHost } from '../oidc/provider-host.js';

/**
 * The registration policy that limits how many clients one initial access token may register
 * (oidc-provider's `features.registration.policies`: a token names the policies it carries).
 */
export const MAX_USES_POLICY = 'signet:max-uses';

export const MAX_USES_LIMIT = 1000;
export const MAX_EXPIRES_IN = 365 * 24 * 3600;

const MODEL = 'InitialAccessToken';
/** Kind of the use tickets kept beside a token (oidc-provider never instantiates them: kind mismatch). */
const USE_KIND = 'InitialAccessTokenUse';

export interface IssuedInitialAccessToken {
  /** The stored (hashed) id: what `list` shows and `revoke` takes. Not usable as a token. */
  id: string;
  initial_access_token: string;
  expires_at: string | null;
  max_uses: number | null;
  /** "optional": confidential clients registered with it may leave out PKCE. */
  pkce: PkcePolicy;
}

export interface InitialAccessTokenSummary {
  id: string;
  issued_at: string | null;
  expires_at: string | null;
  max_uses: number | null;
  uses_left: number | null;
  pkce: PkcePolicy;
}

/*
 * Uses are counted with tickets, not a counter: oidc-provider keeps only the payload fields it knows
 * (an unknown `remaining_uses` would be dropped whenever it saves the token), and the store port has no
 * atomic increment, but it has `consume`, a conditional write with exactly one winner on every backend.
 * A token with --max-uses N is stored with N ticket records `<token id>.use.<k>`; a registration spends
 * one by consuming it, so parallel registrations cannot exceed N (a lost race moves on to the next
 * ticket). Tickets are spent in order, so the first unspent one is found by bisection.
 */
const ticketId = (tokenId: string, k: number) => `${tokenId}.use.${k}`;

async function spendUse(records: OidcRecordStore, tokenId: string): Promise<boolean> {
  const first = await records.find(MODEL, ticketId(tokenId, 1));
  const total = typeof first?.of === 'number' ? first.of : 0;
  let lo = 1;
  let hi = total + 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const ticket = await records.find(MODEL, ticketId(tokenId, mid));
    if (ticket && ticket.consumed === undefined) hi = mid;
    else lo = mid + 1;
  }
  for (let k = lo; k <= total; k++) {
    if (await records.consume(MODEL, ticketId(tokenId, k))) return true;
  }
  return false;
}

type ClientConstructor = new (metadata: ClientMetadata, ctx: KoaContextWithOIDC) => unknown;

/** For provider-config.ts: `features.registration.policies`. */
export function initialAccessTokenPolicies(records: OidcRecordStore) {
  return {
    // What it grants is applied where operator-only fields are decided (client-metadata.ts), after
    // oidc-provider has read the metadata; the policy itself only has to exist for the token to carry it.
    [PKCE_OPTIONAL_POLICY]: (): void => undefined,
    [MAX_USES_POLICY]: async (ctx: KoaContextWithOIDC, metadata: ClientMetadata): Promise<void> => {
      const token = ctx.oidc.entities.InitialAccessToken;
      // RFC 7592 updates carry the policy on the registration access token: nothing to count there.
      if (!token) return;
      // Validate first (oidc-provider does it after the policies), so a refused request spends no use.
      new (ctx.oidc.provider.Client as unknown as ClientConstructor)(metadata, ctx);
      if (!(await spendUse(records, storedTokenId(token.jti)))) {
        throw new errors.InvalidToken('initial access token has no uses left');
      }
    },
  };
}

const iso = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : null);

/**
 * Operator-issued initial access tokens (RFC 7591 section 3): oidc-provider's own model, so /reg accepts
 * them as Bearer tokens whenever `features.registration.initialAccessToken` is `true`. The store keeps
 * only a hash of each token, so `list` shows ids, never values.
 */
export class InitialAccessTokens {
  constructor(
    private readonly host: ProviderHost,
    private readonly records: OidcRecordStore,
    /** Where issues and revocations are recorded. */
    private readonly audit: AuditLog,
  ) {}

  async create(
    options: { expiresIn?: number; maxUses?: number; pkce?: PkcePolicy } = {},
    actor: Actor = CLI_OPERATOR,
  ): Promise<IssuedInitialAccessToken> {
    const { expiresIn, maxUses } = options;
    const pkceOptional = options.pkce === 'optional';
    if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn >= 1 && expiresIn <= MAX_EXPIRES_IN)) {
      throw new FieldError((f) => `${f('expiresIn')} must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN}`);
    }
    if (maxUses !== undefined && !(Number.isInteger(maxUses) && maxUses >= 1 && maxUses <= MAX_USES_LIMIT)) {
      throw new FieldError((f) => `${f('maxUses')} must be a whole number from 1 to ${MAX_USES_LIMIT}`);
    }
    const { InitialAccessToken } = this.host.current;
    const policies = [
      ...(maxUses !== undefined ? [MAX_USES_POLICY] : []),
      ...(pkceOptional ? [PKCE_OPTIONAL_POLICY] : []),
    ];
    const token = new InitialAccessToken({
      ...(expiresIn !== undefined ? { expiresIn } : {}),
      ...(policies.length > 0 ? { policies } : {}),
    });
    const value = await token.save();
    const id = storedTokenId(value);
    // Until its tickets are written the token registers nothing (no ticket, no use): it fails closed,
    // and nobody holds it yet anyway.
    for (let k = 1; k <= (maxUses ?? 0); k++) {
      await this.records.upsert(MODEL, ticketId(id, k), { kind: USE_KIND, of: maxUses }, expiresIn);
    }
    const saved = await InitialAccessToken.find(value);
    if (!saved) throw new Error('the initial access token was not stored');
    const issued = {
      id,
      initial_access_token: value,
      expires_at: iso(saved.exp),
      max_uses: maxUses ?? null,
      pkce: pkceOptional ? ('optional' as const) : ('required' as const),
    };
    await this.audit.record(
      AUDIT.initialAccessTokenIssued,
      actedBy(actor, {}, { id, expires_at: issued.expires_at, max_uses: issued.max_uses, pkce: issued.pkce }),
    );
    return issued;
  }

  private async all(): Promise<Array<{ id: string; payload: OidcPayload }>> {
    return this.records.list(MODEL, 1_000_000);
  }

  async list(): Promise<InitialAccessTokenSummary[]> {
    const records = await this.all();
    const tickets = new Map<string, { total: number; left: number }>();
    for (const { id, payload } of records) {
      if (payload.kind !== USE_KIND) continue;
      const tokenId = id.slice(0, id.lastIndexOf('.use.'));
      const count = tickets.get(tokenId) ?? { total: 0, left: 0 };
      count.total += 1;
      if (payload.consumed === undefined) count.left += 1;
      tickets.set(tokenId, count);
    }
    return records
      .filter(({ payload }) => payload.kind === MODEL)
      .map(({ id, payload }) => {
        const limited = Array.isArray(payload.policies) && payload.policies.includes(MAX_USES_POLICY);
        const count = tickets.get(id) ?? { total: 0, left: 0 };
        return {
          id,
          issued_at: iso(payload.iat),
          expires_at: iso(payload.exp),
          max_uses: limited ? count.total : null,
          uses_left: limited ? count.left : null,
          pkce:
            Array.isArray(payload.policies) && payload.policies.includes(PKCE_OPTIONAL_POLICY)
              ? 'optional'
              : 'required',
        };
      });
  }

  /** Takes the id `create` and `list` show; the token stops working at once. */
  async revoke(id: string, actor: Actor = CLI_OPERATOR): Promise<void> {
    const found = await this.records.find(MODEL, id);
    if (found?.kind !== MODEL) throw new NotFoundError(`no initial access token ${id}`);
    await this.records.destroy(MODEL, id);
    for (const ticket of await this.all()) {
      if (ticket.payload.kind === USE_KIND && ticket.id.startsWith(`${id}.use.`))
        await this.records.destroy(MODEL, ticket.id);
    }
    await this.audit.record(AUDIT.initialAccessTokenRevoked, actedBy(actor, {}, { id }));
  }
}
