import { ACCOUNT_CLIENT_ID, DEMO_CLIENT_ID } from '../../clients/first-party-clients.js';
import { type Translate } from '../../i18n/translator.js';
import { clientDisplayName } from './interaction-view.js';

export interface WayBack {
  href: string;
  label: string;
}

type LogoutClient = { clientId: string; clientName?: string | undefined; clientUri?: unknown; redirectUris?: unknown };

/** An http(s) origin or URL the client registered, never anything a request carried (no open redirect). */
function registeredWebUrl(value: unknown): string | null {
  const url = typeof value === 'string' ? URL.parse(value) : null;
  return url && (url.protocol === 'https:' || url.protocol === 'http:') ? url.href : null;
}

/**
 * Where the signed-out page sends a person back to: the app they signed out of (its registered
 * client_uri, else the origin of its first registered web redirect URI), Signet's own pages for its
 * own clients, and otherwise Signet's home page.
 */
export function wayBack(client: LogoutClient | undefined, t: Translate): WayBack {
  if (client?.clientId === ACCOUNT_CLIENT_ID) return { href: '/account', label: t('common:signInAgainAccount') };
  if (client?.clientId === DEMO_CLIENT_ID) return { href: '/demo', label: t('common:backToDemo') };
  if (client) {
    const name = clientDisplayName(client, t);
    const home = registeredWebUrl(client.clientUri);
    if (home) return { href: home, label: t('common:backTo', { name }) };
    const redirect = Array.isArray(client.redirectUris)
      ? client.redirectUris.map(registeredWebUrl).find(Boolean)
      : null;
    if (redirect) return { href: `${new URL(redirect).origin}/`, label: t('common:backTo', { name }) };
  }
  return { href: '/', label: t('common:homePage') };
}
