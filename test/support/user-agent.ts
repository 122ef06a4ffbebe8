// What any user agent of Signet's pages does, whatever carries its requests (fetch in the tests,
// node:http in the benchmark): keep the cookies the server sets, read Signet's forms, and present client
// credentials. Plain TypeScript without Jest, so the benchmark loads it too (Node strips the types).

/** Applies a response's Set-Cookie lines to a jar: a cleared or expired cookie leaves it. */
export function storeCookies(jar: Map<string, string>, setCookieLines: readonly string[]): void {
  for (const line of setCookieLines) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}

/** The Cookie header a jar sends, or undefined when it is empty. */
export function cookieHeader(jar: ReadonlyMap<string, string>): string | undefined {
  return jar.size > 0 ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
}

export function csrfFrom(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no csrf field in the page');
  return match[1];
}

/** Every hidden field of the form that posts to `suffix`: what a browser sends back with it. */
export function hiddenFields(html: string, suffix: string): Record<string, string> {
  const form = new RegExp(`<form[^>]*action="[^"]*${suffix}"[^>]*>([\\s\\S]*?)</form>`).exec(html)?.[1];
  if (form === undefined) throw new Error(`no form posting to ${suffix}`);
  const fields: Record<string, string> = {};
  for (const [, name, value] of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[name ?? ''] = value ?? '';
  return fields;
}

export function formAction(html: string, suffix: string): string {
  const match = new RegExp(`action="([^"]*${suffix})"`).exec(html);
  if (!match?.[1]) throw new Error(`no form posting to ${suffix}`);
  return match[1];
}

/** HTTP Basic client authentication as RFC 6749 section 2.3.1 spells it (each part form-encoded first). */
export function basicAuth(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
}
