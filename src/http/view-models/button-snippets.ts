import { readFileSync } from 'node:fs';
import { VIEWS_DIR } from '../views.js';

/**
 * Copy-paste snippets for /button, with this issuer filled in. Shown escaped (they are text), and run
 * as written by test/integration/snippets.test.ts against a live Signet, over http and https. The code
 * itself is the relying party's, not Signet's: it lives as text in views/snippets/, where `{{issuer}}`,
 * `{{appUrl}}` and `{{insecure}}` are filled in here.
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

/** The Next.js files: where each goes, and its template. */
const NEXT_FILES = [
  { path: 'app/api/auth/signet.ts', template: 'next-signet.ts' },
  { path: 'app/api/auth/login/route.ts', template: 'next-login.ts' },
  { path: 'app/api/auth/callback/route.ts', template: 'next-callback.ts' },
] as const;

/**
 * What the discovery call adds for this issuer. openid-client refuses plain http
 * (OAUTH_HTTP_REQUEST_FORBIDDEN) unless allowed per call; only a development issuer speaks http, so only
 * its snippet allows it, and says why, so nobody carries the option into production.
 */
function insecureOption(issuer: string): string {
  if (new URL(issuer).protocol === 'https:') return '';
  return `, undefined, {
  // This issuer speaks http (a development Signet), which openid-client refuses unless allowed here.
  // An https issuer (production) needs no option: never carry this one there.
  execute: [oidc.allowInsecureRequests],
}`;
}

/** The app's own URL while developing goes with the issuer: http beside an http issuer, https in production. */
function defaultAppUrl(issuer: string): string {
  return new URL(issuer).protocol === 'https:' ? 'https://app.example.com' : 'http://localhost:8080';
}

/**
 * views/snippets/`name`.txt with its placeholders filled in; one the values lack is a bug here. A value
 * of several lines continues at the indentation of the line its placeholder sits on.
 */
function filled(name: string, values: Readonly<Record<string, string>>): string {
  const template = readFileSync(`${VIEWS_DIR}snippets/${name}.txt`, 'utf8').replace(/\n$/, '');
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string, at: number) => {
    const value = values[key];
    if (value === undefined) throw new Error(`snippet ${name}: nothing to fill {{${key}}} with`);
    const line = template.slice(template.lastIndexOf('\n', at) + 1, at);
    return value.replaceAll('\n', `\n${/^\s*/.exec(line)?.[0] ?? ''}`);
  });
}

/** Built once per app (the route keeps them): the templates are read from disk each time this runs. */
export function buttonSnippets(issuer: string): ButtonSnippets {
  const appUrl = defaultAppUrl(issuer);
  const values = { issuer, appUrl, insecure: insecureOption(issuer) };
  const nextFiles = NEXT_FILES.map(({ path, template }) => ({ path, code: filled(template, values) }));
  return {
    html: filled('button.html', { issuer }),
    node: filled('server.mjs', values),
    next: nextFiles.map((file) => file.code).join('\n\n'),
    nextFiles,
    register: `npm run --silent cli -- client create --name "My App" --redirect-uri ${appUrl}/callback`,
    nextRedirectUri: `${appUrl}/api/auth/callback`,
  };
}
