import { readFileSync } from 'node:fs';
import { VIEWS_DIR } from '../views.js';

/**
 * Copy-paste snippets for /button, with this issuer filled in. Shown escaped (they are text), and run
 * as written by test/integration/snippets.test.ts against a live Signet, over http and https. The code
 * itself is the relying party's, not Signet's: it lives as text in views/snippets/, where `{{issuer}}`,
 * `{{appUrl}}` and `{{discovery}}` are filled in here.
 */

export interface SnippetFile {
  /** Where the file goes in the developer's project. */
  path: string;
  code: string;
}

export interface ButtonSnippets {
  html: string;
  /** A whole Express server (server.mjs). */
  node: string;
  /** The Next.js files, one after the other, as the page shows them. */
  next: string;
  nextFiles: SnippetFile[];
  /** The admin CLI command that registers the Express app. */
  register: string;
  /** The Next.js app's redirect URI, to register instead. */
  nextRedirectUri: string;
}

/** The Next.js files: where each goes, its template, and how its discovery call names the client. */
const NEXT_FILES = [
  {
    path: 'app/api/auth/signet.ts',
    template: 'next-signet.ts',
    client: ['process.env.CLIENT_ID!', 'process.env.CLIENT_SECRET'],
  },
  { path: 'app/api/auth/login/route.ts', template: 'next-login.ts', client: undefined },
  { path: 'app/api/auth/callback/route.ts', template: 'next-callback.ts', client: undefined },
] as const;

/**
 * The discovery call for this issuer. openid-client refuses plain http (OAUTH_HTTP_REQUEST_FORBIDDEN)
 * unless allowed per call; only a development issuer speaks http, so only its snippet allows it, and
 * says why, so nobody carries the option into production.
 */
function discovery(issuer: string, clientId: string, clientSecret: string): string {
  if (new URL(issuer).protocol === 'https:')
    return `oidc.discovery(new URL('${issuer}'), ${clientId}, ${clientSecret})`;
  return `oidc.discovery(new URL('${issuer}'), ${clientId}, ${clientSecret}, undefined, {
  // This issuer speaks http (a development Signet), which openid-client refuses unless allowed here.
  // An https issuer (production) needs no option: never carry this one there.
  execute: [oidc.allowInsecureRequests],
})`;
}

/** The app's own URL while developing goes with the issuer: http beside an http issuer, https in production. */
function defaultAppUrl(issuer: string): string {
  return new URL(issuer).protocol === 'https:' ? 'https://app.example.com' : 'http://localhost:8080';
}

/** views/snippets/`name`.txt with its placeholders filled in; one the values lack is a bug here. */
function filled(name: string, values: Readonly<Record<string, string>>): string {
  const template = readFileSync(`${VIEWS_DIR}snippets/${name}.txt`, 'utf8').replace(/\n$/, '');
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`snippet ${name}: nothing to fill {{${key}}} with`);
    return value;
  });
}

/** Built once per app (the route keeps them): the templates are read from disk each time this runs. */
export function buttonSnippets(issuer: string): ButtonSnippets {
  const appUrl = defaultAppUrl(issuer);
  const nextFiles = NEXT_FILES.map(({ path, template, client }) => ({
    path,
    code: filled(template, {
      issuer,
      appUrl,
      // The call sits one level in, inside signet(): its own lines go one level in with it.
      ...(client ? { discovery: discovery(issuer, ...client).replaceAll('\n', '\n  ') } : {}),
    }),
  }));
  return {
    html: filled('button.html', { issuer }),
    node: filled('server.mjs', { issuer, appUrl, discovery: discovery(issuer, 'CLIENT_ID', 'CLIENT_SECRET') }),
    next: nextFiles.map((file) => file.code).join('\n\n'),
    nextFiles,
    register: `npm run --silent cli -- client create --name "My App" --redirect-uri ${appUrl}/callback`,
    nextRedirectUri: `${appUrl}/api/auth/callback`,
  };
}
