import { createHash } from 'node:crypto';
import { REGISTERED_BY, SCOPE_DESCRIPTIONS } from '../clients/client-metadata.js';

/** One API (resource server) and the scopes of it that a client has or asks for. */
export interface ApiAccess {
  indicator: string;
  /** The operator's name for the API, or its host. */
  name: string;
  host: string;
  scopes: Array<{ name: string; description: string | null }>;
}

/** Everything one consent grants: OpenID scopes and claims, and scopes at each API. */
export interface RequestedAccess {
  scopes: string[];
  claims: string[];
  resources: Record<string, string[]>;
}

type FindClient = (clientId: string) => Promise<object | undefined>;

const extra = (client: object | undefined, key: string): unknown =>
  (client as Record<string, unknown> | undefined)?.[key];

function hostOf(uri: string): string {
  return URL.parse(uri)?.host || uri;
}

/** What the consent page and the account page say about each API: its name, host and scope texts. */
export async function describeApis(findClient: FindClient, resources: Record<string, string[]>): Promise<ApiAccess[]> {
  return Promise.all(
    Object.entries(resources)
      .filter(([, scopes]) => scopes.length > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(async ([indicator, scopes]) => {
        const api = await findClient(indicator);
        const texts = extra(api, SCOPE_DESCRIPTIONS);
        const describe = (scope: string) => {
          const text = texts && typeof texts === 'object' ? (texts as Record<string, unknown>)[scope] : undefined;
          return typeof text === 'string' ? text : null;
        };
        const name = extra(api, 'clientName');
        return {
          indicator,
          name: typeof name === 'string' && name ? name : hostOf(indicator),
          host: hostOf(indicator),
          scopes: [...new Set(scopes)].sort().map((scope) => ({ name: scope, description: describe(scope) })),
        };
      }),
  );
}

/** Whether nobody vouched for this client: it registered itself, or predates the marker. */
export function selfRegistered(client: object | undefined): boolean {
  return extra(client, REGISTERED_BY) !== 'operator';
}

/**
 * A digest of exactly what a consent page showed. The page's form carries it back, and the grant is
 * made only when what would be granted still has the same digest: nothing is granted that was not shown.
 */
export function accessDigest(access: RequestedAccess): string {
  const canonical = {
    scopes: [...new Set(access.scopes)].sort(),
    claims: [...new Set(access.claims)].sort(),
    resources: Object.entries(access.resources)
      .map(([indicator, scopes]) => [indicator, [...new Set(scopes)].sort()] as const)
      .filter(([, scopes]) => scopes.length > 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}
