// The fuzzer's vocabulary: a seeded PRNG, garbage values (random and grammar-based), and one request
// generator per endpoint of Signet. Everything is derived from (seed, request index), so a run is
// reproducible whatever order the concurrent workers happen to send requests in.

import { gzipSync } from 'node:zlib';

/** mulberry32: tiny, fast, good enough to drive a fuzzer, and identical on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rand {
  constructor(private readonly source: () => number) {}

  /** The generator of request `index` of a run: independent of every other request's. */
  static forRequest(seed: number, index: number): Rand {
    return new Rand(mulberry32((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0));
  }

  float(): number {
    return this.source();
  }
  int(n: number): number {
    return Math.floor(this.source() * n);
  }
  /** Inclusive range. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.source() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[this.int(items.length)] as T;
  }
  weighted<T>(entries: ReadonlyArray<readonly [number, T]>): T {
    const total = entries.reduce((s, [w]) => s + w, 0);
    let x = this.source() * total;
    for (const [w, v] of entries) {
      x -= w;
      if (x < 0) return v;
    }
    return (entries[entries.length - 1] as readonly [number, T])[1];
  }
  /** Mostly short, sometimes long: the length distribution fuzzers want. */
  length(max: number): number {
    return this.weighted<number>([
      [6, this.range(0, 16)],
      [3, this.range(17, 256)],
      [1, this.range(257, Math.max(257, max))],
    ]);
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** What the fuzzer knows about the server under test: real ids let garbage reach deeper code. */
export interface FuzzContext {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  postLogoutUri: string;
  /** A live interaction (login prompt), with the cookies and CSRF token of the browser that started it. */
  uid: string;
  interactionCookies: Array<[string, string]>;
  csrf: string;
  /** A signed-in /account session (cookies signet.account and signet.csrf) and its form token. */
  accountCookies: Array<[string, string]>;
  accountCsrf: string;
  /** A genuine id_token (harmless to replay: no fuzzed request carries the session it belongs to). */
  idToken: string;
  signingKid: string;
  email: string;
  initialAccessToken: string;
}

export interface FuzzRequest {
  label: string;
  method: string;
  /** Request target as sent on the wire (ASCII; broken percent-encoding kept on purpose). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** A value already in wire form: inserted without any further encoding (broken %-escapes survive). */
type Raw = { raw: string };
type Value = string | Raw;

const UNICODE = [
  '\u0000',
  '\u0001\u001f\u007f',
  '\r\n',
  '\ud800', // lone surrogate
  '\udfff\ud800',
  '\ufeff',
  '\u202e', // right-to-left override
  'e\u0301\u0301\u0301',
  '\u{1f600}\u200d\u{1f469}',
  '\u0130\u0131ß\ufb01', // case mapping changes length
  'а', // Cyrillic a
  '\uffff\ufffe',
  '日本語',
  '\u2028\u2029',
];

const BROKEN_PERCENT = [
  '%zz',
  '%',
  '%E0%A4',
  '%C0%80',
  '%FF',
  '%00',
  '%u0041',
  '%%',
  '%2',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%25%',
  '%%30%30',
];

const INJECTIONS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' OR '1'='1",
  '{"$ne":null}',
  '{"$gt":""}',
  'javascript:alert(1)',
  '${7*7}',
  '<%= process.exit() %>',
  '<%- include("/etc/passwd") %>',
  '../../../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'x\r\nSet-Cookie: pwned=1',
  'http://evil.example/cb',
  '//evil.example',
  'file:///etc/passwd',
  'data:text/html,<script>alert(1)</script>',
];

const NUMBERS = [
  '-1',
  '0',
  '1e309',
  'NaN',
  'Infinity',
  '-0',
  '9007199254740993',
  '0x10',
  '1.5',
  '99999999999999999999999',
  '',
];

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~';
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

export function ascii(r: Rand, n: number, alphabet = PRINTABLE): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet.charAt(r.int(alphabet.length));
  return s;
}

const b64u = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** JWT-shaped garbage: unsigned, wrongly signed, malformed, or a tampered genuine one. */
export function jwtGarbage(r: Rand, c: FuzzContext): string {
  const now = Math.floor(Date.now() / 1000);
  const header = r.pick<unknown>([
    { alg: 'none' },
    { alg: 'None', typ: 'JWT' },
    { alg: 'NONE', kid: c.signingKid },
    { alg: 'HS256', kid: c.signingKid },
    { alg: 'RS256', kid: c.signingKid },
    { alg: 'RS256', kid: '../../../../../dev/null' },
    { alg: 'RS256', kid: { $ne: null } },
    { alg: 'RS256', jku: 'http://127.0.0.1:1/jwks' },
    { alg: 'RS256', x5u: 'http://127.0.0.1:1/x5u' },
    { alg: 'RS256', jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } },
    { alg: 'RS256', crit: ['exp'], exp: 1 },
    { alg: 'RS256', b64: false, crit: ['b64'] },
    { alg: 'ES256', kid: c.signingKid },
    { alg: 'EdDSA' },
    { alg: 123 },
    { alg: {} },
    { alg: ['RS256'] },
    {},
    [],
    null,
    'not json',
    { alg: 'dir', enc: 'A128GCM' },
  ]);
  const payload = r.pick<unknown>([
    {},
    { iss: 'http://127.0.0.1', sub: 'x', aud: c.clientId, exp: now + 600, iat: now },
    { sub: ascii(r, 8), aud: [c.clientId, 'other'], exp: now + 600 },
    { aud: 42, exp: 'soon' },
    { aud: { $ne: null }, sub: null },
    { aud: c.clientId, exp: 1, iat: 1 },
    { aud: c.clientId, exp: Number.MAX_SAFE_INTEGER, nbf: Number.MAX_SAFE_INTEGER },
    { iss: c.clientId, sub: c.clientId, aud: 'http://127.0.0.1/token', jti: ascii(r, 8, ALPHABET), exp: now + 60 },
    { client_id: c.clientId, scope: 'openid offline_access', active: true },
    { __proto__: { admin: true }, aud: c.clientId },
    'garbage',
    [],
    { big: 'x'.repeat(r.range(1000, 4000)) },
  ]);
  const enc = (v: unknown) => b64u(typeof v === 'string' ? v : JSON.stringify(v));
  const signature = r.pick(['', b64u(r.bytes(r.range(1, 300))), 'AAAA', '!!!', '====', 'a'.repeat(r.range(1, 600))]);
  return r.weighted<() => string>([
    [6, () => `${enc(header)}.${enc(payload)}.${signature}`],
    [1, () => r.pick(['a.b.c', '..', '.', 'a.b', 'a.b.c.d.e', '....', 'eyJ.eyJ.', 'eyJhbGciOiJub25lIn0..'])],
    [1, () => `${enc(header)}.${enc(payload)}`],
    [1, () => `${enc(header)}.${b64u('x')}.${b64u('y')}.${b64u('z')}.${b64u('w')}`], // JWE-shaped
    [
      1,
      () =>
        `${Buffer.from(JSON.stringify(header)).toString('base64')}.${Buffer.from(JSON.stringify(payload)).toString('base64')}.+/==`,
    ],
    [1, () => `${b64u(r.bytes(r.range(1, 40)))}.${b64u(r.bytes(r.range(1, 40)))}.${b64u(r.bytes(r.range(1, 40)))}`],
    [2, () => tamper(r, c.idToken)],
  ])();
}

/** The genuine id_token with one part altered: header, payload or signature. */
function tamper(r: Rand, token: string): string {
  const parts = token.split('.');
  const i = r.int(3);
  const part = parts[i] ?? '';
  const at = r.int(Math.max(1, part.length));
  const flipped = part.slice(0, at) + (part[at] === 'A' ? 'B' : 'A') + part.slice(at + 1);
  parts[i] = r.chance(0.2) ? '' : flipped;
  return parts.join('.');
}

/** One garbage value of any family. */
export function garbage(r: Rand, c: FuzzContext, maxLength = 512): Value {
  return r.weighted<() => Value>([
    [4, () => ascii(r, r.length(Math.min(maxLength, 200)))],
    [3, () => Array.from({ length: r.range(1, 4) }, () => r.pick(UNICODE) + ascii(r, r.int(4))).join('')],
    [
      3,
      () => ({
        raw: Array.from({ length: r.range(1, 3) }, () => ascii(r, r.int(3), ALPHABET) + r.pick(BROKEN_PERCENT)).join(
          '',
        ),
      }),
    ],
    [2, () => r.pick(NUMBERS)],
    [3, () => r.pick(INJECTIONS)],
    [3, () => jwtGarbage(r, c)],
    [1, () => r.pick(['x', 'A', '%41', '\u0000']).repeat(r.range(100, Math.max(100, maxLength)))],
    [2, () => r.pick([c.clientId, c.uid, c.email, c.redirectUri, c.csrf, c.idToken, 'openid', 'code'])],
    [1, () => ''],
  ])();
}

const GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'password',
  'implicit',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:openid:params:grant-type:ciba',
];

/** A value that mostly fits the parameter's grammar, so the request gets past the first checks. */
function plausible(r: Rand, c: FuzzContext, name: string): Value {
  switch (name) {
    case 'client_id':
      return r.pick([c.clientId, c.clientId, ascii(r, 22, ALPHABET), `${c.clientId} `, c.clientId.toUpperCase()]);
    case 'client_secret':
      return r.pick([c.clientSecret, ascii(r, 43, ALPHABET)]);
    case 'redirect_uri':
      return r.pick([
        c.redirectUri,
        `${c.redirectUri}/../evil`,
        `${c.redirectUri}?x=1`,
        'http://evil.example/cb',
        c.redirectUri.toUpperCase(),
      ]);
    case 'post_logout_redirect_uri':
      return r.pick([c.postLogoutUri, 'http://evil.example/', `${c.postLogoutUri}#x`]);
    case 'response_type':
      return r.pick(['code', 'code', 'token', 'id_token', 'code id_token', 'none', 'code token id_token']);
    case 'response_mode':
      return r.pick(['query', 'fragment', 'form_post', 'jwt', 'web_message']);
    case 'scope':
      return r.pick([
        'openid',
        'openid email profile offline_access',
        'offline_access',
        'openid admin',
        'openid openid openid',
        '',
      ]);
    case 'code_challenge':
      return r.pick([
        'a'.repeat(43),
        ascii(r, r.range(1, 200), ALPHABET),
        'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      ]);
    case 'code_challenge_method':
      return r.pick(['S256', 'plain', 's256', 'S512']);
    case 'code_verifier':
      return r.pick(['dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', ascii(r, r.range(0, 200), ALPHABET)]);
    case 'prompt':
      return r.pick(['none', 'login', 'consent', 'select_account', 'create', 'login consent', 'none login']);
    case 'max_age':
      return r.pick(NUMBERS);
    case 'grant_type':
      return r.pick(GRANT_TYPES);
    case 'token_type_hint':
      return r.pick(['access_token', 'refresh_token', 'id_token', 'urn:ietf:params:oauth:token-type:jwt']);
    case 'client_assertion_type':
      return r.pick([
        'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
      ]);
    case 'id_token_hint':
    case 'client_assertion':
    case 'request':
    case 'logout_hint':
    case 'token':
    case 'refresh_token':
    case 'access_token':
    case 'assertion':
    case 'subject_token':
      return r.chance(0.7) ? jwtGarbage(r, c) : ascii(r, r.range(1, 64), ALPHABET);
    case 'request_uri':
      return r.pick(['urn:ietf:params:oauth:request_uri:' + ascii(r, 20, ALPHABET), 'http://127.0.0.1:1/req', 'urn:x']);
    case 'claims':
      return r.pick([
        '{"id_token":{"email":null}}',
        '{"userinfo":{"sub":{"value":"x"}}}',
        '{',
        '[]',
        '{"id_token":"x"}',
        'null',
      ]);
    case 'resource':
      return r.pick(['https://api.example', 'urn:x', 'not a uri', 'https://api.example#frag']);
    case 'csrf':
      return r.pick([c.csrf, c.accountCsrf, ascii(r, 32, ALPHABET), '']);
    case 'xsrf':
      return ascii(r, 32, ALPHABET);
    case 'logout':
      return r.pick(['yes', 'no', '']);
    case 'email':
      return r.pick([c.email, c.email.toUpperCase(), ` ${c.email} `, `${ascii(r, 8, ALPHABET)}@example.com`]);
    case 'password':
    case 'current_password':
    case 'new_password':
    case 'confirm_password':
      return r.pick([ascii(r, r.range(0, 40)), 'x'.repeat(r.range(1000, 1100))]);
    case 'code':
      return ascii(r, r.range(1, 60), ALPHABET);
    case 'state':
    case 'nonce':
      return ascii(r, r.range(0, 40));
    default:
      return ascii(r, r.range(0, 20), ALPHABET);
  }
}

function value(r: Rand, c: FuzzContext, name: string, maxLength: number): Value {
  return r.chance(0.45) ? plausible(r, c, name) : garbage(r, c, maxLength);
}

/** Replaces whatever Node would refuse on a request line by its UTF-8 percent-encoding (ASCII 0x21-0x7e stays). */
function wire(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (code > 0x20 && code < 0x7f) out += ch;
    else if (code >= 0xd800 && code <= 0xdfff) out += '%ED%A0%80';
    else out += encodeURIComponent(ch);
  }
  return out;
}

/** Header values may carry tab, printable ASCII and bytes 0x80-0xff: unicode goes as raw UTF-8 bytes. */
function headerSafe(s: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is what this line is for
  return Buffer.from(s.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ''), 'utf8')
    .toString('latin1')
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
}

type Encoding = 'proper' | 'plus' | 'raw';

function encodeValue(v: Value, mode: Encoding): string {
  if (typeof v !== 'string') return v.raw;
  if (mode === 'raw') return wire(v);
  const safe = v.replace(/[\ud800-\udfff]/g, (s) => (s.length === 1 ? '\ufffd' : s));
  let out: string;
  try {
    out = encodeURIComponent(safe);
  } catch {
    out = wire(v);
  }
  return mode === 'plus' ? out.replace(/%20/g, '+') : out;
}

/** name=value pairs: some params repeated, some missing, some unknown, some without `=`. */
export function pairs(r: Rand, c: FuzzContext, names: readonly string[], maxLength: number): string {
  const mode = r.pick<Encoding>(['proper', 'proper', 'plus', 'raw']);
  const chosen = names.filter(() => r.chance(0.65));
  for (let extra = r.int(3); extra > 0; extra--)
    chosen.push(r.pick([...names, ascii(r, r.range(1, 10), ALPHABET), '__proto__', 'a[b]', 'a[]', '', '%zz', '&']));
  if (chosen.length > 0 && r.chance(0.2)) chosen.push(r.pick(chosen)); // repeated parameter
  const parts = chosen.map((name) => {
    if (r.chance(0.03)) return encodeValue(name, mode); // name without '='
    return `${encodeValue(name, mode)}=${encodeValue(value(r, c, name, maxLength), mode)}`;
  });
  if (r.chance(0.1)) parts.push(r.pick(['&', '=', '==', '&&', '=&=', ';', '%']));
  return parts.join(r.chance(0.05) ? ';' : '&');
}

// ---- headers ----

function basic(r: Rand, c: FuzzContext): string {
  const creds = r.pick([
    `${c.clientId}:${c.clientSecret}`,
    `${c.clientId}:${ascii(r, 20)}`,
    `${encodeURIComponent(c.clientId)}:`,
    ':',
    'nocolon',
    'a:b:c',
    '%zz:%zz',
    '%:%',
    `${r.pick(UNICODE)}:${r.pick(UNICODE)}`,
    `${ascii(r, r.range(0, 300))}:${ascii(r, r.range(0, 300))}`,
  ]);
  const encoded = r.chance(0.85)
    ? Buffer.from(creds, 'utf8').toString('base64')
    : r.pick(['!!!', '====', 'Zm9v', ascii(r, 10)]);
  return `${r.pick(['Basic', 'Basic', 'basic', 'BASIC', 'Basic  '])} ${encoded}`;
}

function authorization(r: Rand, c: FuzzContext): string | undefined {
  return r.weighted<() => string | undefined>([
    [4, () => undefined],
    [3, () => basic(r, c)],
    [
      3,
      () =>
        `${r.pick(['Bearer', 'bearer', 'DPoP', 'Bearer  '])} ${r.chance(0.6) ? jwtGarbage(r, c) : ascii(r, r.range(0, 80), ALPHABET)}`,
    ],
    [
      1,
      () =>
        r.pick([
          'Bearer',
          'Basic',
          'Negotiate abc',
          'Digest username="x"',
          'Bearer a b c',
          `Bearer ${'a'.repeat(6000)}`,
          'Basic Basic Zm9v',
          '',
        ]),
    ],
    [1, () => `Bearer ${c.initialAccessToken.slice(0, -1)}x`],
  ])();
}

const COOKIE_NAMES = [
  'signet.session',
  'signet.session.sig',
  'signet.csrf',
  'signet.csrf.sig',
  'signet.account',
  'signet.account.sig',
  'signet.account.login',
  'signet.account.login.sig',
  'signet.interaction',
  'signet.interaction.sig',
  'signet.resume',
  'signet.resume.sig',
  '_interaction',
  '_session',
];

function cookie(r: Rand, c: FuzzContext, path: string): string | undefined {
  const out: string[] = [];
  if (path.startsWith('/interaction') && r.chance(0.6)) out.push(...c.interactionCookies.map(([k, v]) => `${k}=${v}`));
  if (path.startsWith('/account') && r.chance(0.5)) out.push(...c.accountCookies.map(([k, v]) => `${k}=${v}`));
  for (
    let n = r.weighted<number>([
      [4, 0],
      [3, 1],
      [2, 3],
      [1, 8],
    ]);
    n > 0;
    n--
  ) {
    const name = r.chance(0.8) ? r.pick(COOKIE_NAMES) : ascii(r, r.range(0, 12));
    const v = r.weighted<() => string>([
      [3, () => ascii(r, r.range(0, 43), ALPHABET)],
      [2, () => ascii(r, r.range(0, 60))],
      [1, () => r.pick(BROKEN_PERCENT) + ascii(r, 4, ALPHABET)],
      [1, () => r.pick(UNICODE)],
      [1, () => 'x'.repeat(r.range(100, 1500))],
      [1, () => jwtGarbage(r, c).slice(0, 1500)],
      [1, () => `"${ascii(r, 10, ALPHABET)}"`],
    ])();
    out.push(r.chance(0.05) ? name : `${name}=${v}`);
  }
  if (out.length === 0) return undefined;
  return out.join(r.pick(['; ', ';', ' ; ', ';;']));
}

const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=latin1',
  'application/x-www-form-urlencoded; charset=utf-16',
  'application/x-www-form-urlencoded; charset=bogus-charset',
  'application/json',
  'application/json; charset=ebcdic',
  'application/jwt',
  'text/plain',
  'text/html',
  'multipart/form-data',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  ';;;',
  'application/',
  '*/*',
  'x'.repeat(300),
];

const ACCEPTS = [
  'text/html',
  'application/json',
  '*/*',
  'text/html;q=0, application/json;q=0',
  'garbage/;;',
  'image/png',
  '',
];

// ---- bodies ----

function randomJson(r: Rand, c: FuzzContext, depth = 0): unknown {
  return r.weighted<() => unknown>([
    [3, () => ascii(r, r.range(0, 20))],
    [1, () => r.pick([0, -1, 1e308, 1.5, Number.MAX_SAFE_INTEGER])],
    [1, () => r.pick([true, false, null])],
    [
      1,
      () => {
        const g = garbage(r, c, 300);
        return typeof g === 'string' ? g : g.raw;
      },
    ],
    [depth < 3 ? 2 : 0, () => Array.from({ length: r.int(4) }, () => randomJson(r, c, depth + 1))],
    [
      depth < 3 ? 2 : 0,
      () =>
        Object.fromEntries(
          Array.from({ length: r.int(4) }, () => [
            r.pick(['$ne', '$gt', 'a', '__proto__', ascii(r, 5)]),
            randomJson(r, c, depth + 1),
          ]),
        ),
    ],
  ])();
}

const CLIENT_METADATA = [
  'redirect_uris',
  'client_name',
  'token_endpoint_auth_method',
  'jwks',
  'grant_types',
  'response_types',
  'id_token_signed_response_alg',
  'post_logout_redirect_uris',
  'logo_uri',
  'client_uri',
  'application_type',
  'scope',
  'contacts',
  'client_id',
  'client_secret',
  'default_max_age',
  'require_auth_time',
  'token_endpoint_auth_signing_alg',
];

/** Registration metadata that is certainly refused (bad redirect_uris), so the real initial access token can go with it. */
function refusedMetadata(r: Rand, c: FuzzContext): string {
  const redirect = r.pick<unknown>([
    undefined,
    [],
    'not-an-array',
    ['not a url'],
    ['javascript:alert(1)'],
    ['https://rp.example/cb#frag'],
    [null],
    [{ $ne: 1 }],
    [42],
  ]);
  const meta: Record<string, unknown> = {};
  for (const k of CLIENT_METADATA)
    if (k !== 'redirect_uris' && k !== 'jwks' && r.chance(0.3)) meta[k] = randomJson(r, c);
  if (redirect !== undefined) meta.redirect_uris = redirect;
  const text = JSON.stringify(meta);
  return r.chance(0.2) ? text.slice(0, r.int(text.length)) : text; // sometimes truncated: invalid JSON
}

function deepJson(r: Rand): string {
  const depth = r.range(1000, 45_000);
  return r.chance(0.5)
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth / 5) + '1' + '}'.repeat(depth / 5);
}

function body(r: Rand, c: FuzzContext, names: readonly string[]): { body: Buffer; type: string } {
  return r.weighted<() => { body: Buffer; type: string }>([
    [8, () => ({ body: Buffer.from(pairs(r, c, names, 4096), 'latin1'), type: 'form' })],
    [
      2,
      () => ({
        body: Buffer.from(
          JSON.stringify(Object.fromEntries(names.filter(() => r.chance(0.6)).map((n) => [n, randomJson(r, c)]))),
        ),
        type: 'json',
      }),
    ],
    [
      1,
      () => ({
        body: Buffer.from(
          r.pick(['{', '{"a":', '[1,', '"\\ud800"', 'nul', '{"a":1}garbage', '\u0000', '{"__proto__":{"x":1}}']),
        ),
        type: 'json',
      }),
    ],
    [1, () => ({ body: Buffer.from(deepJson(r)), type: 'json' })],
    [1, () => ({ body: r.bytes(r.range(1, 4096)), type: 'bytes' })],
    [
      1,
      () => ({
        body: Buffer.from(`${pairs(r, c, names, 512)}&pad=${'x'.repeat(r.range(10_000, 100_000))}`),
        type: 'form',
      }),
    ],
    [1, () => ({ body: Buffer.alloc(0), type: 'form' })],
    [
      1,
      () => ({
        body: Buffer.from(
          `--xyz\r\nContent-Disposition: form-data; name="${r.pick(names)}"\r\n\r\n${ascii(r, 20)}\r\n--xyz--`,
        ),
        type: 'multipart',
      }),
    ],
  ])();
}

const MATCHING_TYPE: Record<string, string> = {
  form: 'application/x-www-form-urlencoded',
  json: 'application/json',
  bytes: 'application/octet-stream',
  multipart: 'multipart/form-data; boundary=xyz',
};

const WRONG_METHODS = ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'GET', 'POST', 'PROPFIND', 'TRACE'];

interface Shape {
  label: string;
  path: string;
  methods: readonly string[];
  params: readonly string[];
  /** Send the real initial access token with (certainly refused) registration metadata. */
  registration?: boolean;
  /**
   * Half the time, a well-formed envelope around fuzzed fields, so garbage reaches the code behind the
   * first checks: the real cookies and CSRF token of a form, or the real client's credentials.
   */
  deep?: 'interaction-form' | 'account-form' | 'client-auth';
}

function deepRequest(r: Rand, c: FuzzContext, shape: Shape, deep: NonNullable<Shape['deep']>): FuzzRequest {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  // Only the envelope authenticates: a second client auth mechanism would stop every request at the door.
  const own = new Set(['csrf', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type']);
  let fields = pairs(
    r,
    c,
    shape.params.filter((p) => !own.has(p)),
    4096,
  );
  if (deep === 'client-auth') {
    if (r.chance(0.7))
      headers.authorization = `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`;
    else fields += `&client_id=${encodeURIComponent(c.clientId)}&client_secret=${encodeURIComponent(c.clientSecret)}`;
  } else {
    const [cookies, csrf] =
      deep === 'interaction-form' ? [c.interactionCookies, c.csrf] : [c.accountCookies, c.accountCsrf];
    headers.cookie = cookies.map(([k, v]) => `${k}=${v}`).join('; ');
    fields = `csrf=${csrf}${fields ? `&${fields}` : ''}`;
  }
  headers.accept = r.pick(ACCEPTS);
  for (const k of Object.keys(headers)) headers[k] = headerSafe(headers[k] ?? '');
  return {
    label: shape.label,
    method: r.pick(shape.methods),
    path: wire(shape.path),
    headers,
    body: Buffer.from(fields, 'latin1'),
  };
}

function build(r: Rand, c: FuzzContext, shape: Shape): FuzzRequest {
  if (shape.deep && r.chance(0.5)) return deepRequest(r, c, shape, shape.deep);
  const method = r.chance(0.12) ? r.pick(WRONG_METHODS) : r.pick(shape.methods);
  const headers: Record<string, string> = {};
  // URLs up to ~7 KB (a few just past the 8 KB limit, to reach the 414 branch).
  const urlBudget = r.weighted<number>([
    [8, 600],
    [2, 7000],
    [0.15, 8400],
  ]);
  const query = method === 'GET' || r.chance(0.25) ? pairs(r, c, shape.params, urlBudget) : '';
  let path = shape.path + (query ? `?${query}` : r.chance(0.05) ? '?' : '');
  if (urlBudget > 8000 && path.length < 8200) path += `${query ? '&' : '?'}pad=${'y'.repeat(8300 - path.length)}`;
  else if (path.length > urlBudget) path = path.slice(0, urlBudget);

  let payload: Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD' && r.chance(0.9)) {
    if (shape.registration) {
      const useReal = r.chance(0.4);
      headers.authorization = useReal ? `Bearer ${c.initialAccessToken}` : (authorization(r, c) ?? 'Bearer nope');
      payload = Buffer.from(
        useReal
          ? refusedMetadata(r, c)
          : JSON.stringify(
              Object.fromEntries(CLIENT_METADATA.filter(() => r.chance(0.4)).map((k) => [k, randomJson(r, c)])),
            ),
      );
      headers['content-type'] = r.chance(0.85) ? 'application/json' : r.pick(CONTENT_TYPES);
    } else {
      const made = body(r, c, shape.params);
      payload = made.body;
      const type = r.chance(0.7) ? MATCHING_TYPE[made.type] : r.chance(0.85) ? r.pick(CONTENT_TYPES) : undefined;
      if (type) headers['content-type'] = type;
    }
    if (r.chance(0.04)) {
      headers['content-encoding'] = r.pick(['gzip', 'deflate', 'br', 'bogus', 'gzip, gzip', 'identity']);
      if (headers['content-encoding'] === 'gzip' && r.chance(0.5)) payload = gzipSync(payload);
    }
  }
  if (!headers.authorization) {
    const auth = authorization(r, c);
    if (auth !== undefined) headers.authorization = auth;
  }
  const cookies = cookie(r, c, shape.path);
  if (cookies) headers.cookie = cookies;
  if (r.chance(0.7)) headers.accept = r.pick(ACCEPTS);
  if (r.chance(0.1)) headers.origin = r.pick(['http://evil.example', 'null', ascii(r, 20)]);
  if (r.chance(0.05)) headers['x-forwarded-for'] = r.pick(['1.2.3.4', 'garbage', '::1, 10.0.0.1', ascii(r, 50)]);
  if (r.chance(0.05)) headers.dpop = jwtGarbage(r, c);
  for (const k of Object.keys(headers)) headers[k] = headerSafe(headers[k] ?? '');
  return { label: shape.label, method, path: wire(path), headers, ...(payload ? { body: payload } : {}) };
}

const AUTH_PARAMS = [
  'client_id',
  'response_type',
  'scope',
  'redirect_uri',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'max_age',
  'login_hint',
  'id_token_hint',
  'request',
  'request_uri',
  'claims',
  'ui_locales',
  'acr_values',
  'response_mode',
  'resource',
  'registration',
  'display',
];
const TOKEN_PARAMS = [
  'grant_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'scope',
  'resource',
  'client_id',
  'client_secret',
  'client_assertion_type',
  'client_assertion',
  'assertion',
  'subject_token',
  'device_code',
  'auth_req_id',
];
const TOKEN_AUTH = [
  'token',
  'token_type_hint',
  'client_id',
  'client_secret',
  'client_assertion_type',
  'client_assertion',
];
const END_SESSION = ['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id', 'logout_hint', 'ui_locales'];

function randomSegment(r: Rand): string {
  return r.weighted<() => string>([
    [3, () => ascii(r, r.range(1, 24), ALPHABET)],
    [1, () => r.pick(['..', '.', '%2e%2e', '%2f', '%00', '%zz', '%', '%E0%A4', '', '~', '..;', '%5c'])],
    [1, () => r.pick(UNICODE)],
    [1, () => 'z'.repeat(r.range(100, 3000))],
  ])();
}

/** The endpoint table: every route and form of Signet, with the parameters each one reads. */
export function endpointShapes(r: Rand, c: FuzzContext): Array<readonly [number, Shape]> {
  const uid = r.chance(0.6) ? c.uid : randomSegment(r);
  const any = randomSegment(r);
  return [
    [
      2,
      {
        label: 'discovery',
        path: r.pick([
          '/.well-known/openid-configuration',
          '/.well-known/openid-configuration/',
          '/.well-known/oauth-authorization-server',
          '/.well-known/../jwks',
        ]),
        methods: ['GET'],
        params: ['x'],
      },
    ],
    [2, { label: 'jwks', path: '/jwks', methods: ['GET'], params: ['kid'] }],
    [8, { label: 'auth GET', path: '/auth', methods: ['GET'], params: AUTH_PARAMS }],
    [5, { label: 'auth POST', path: '/auth', methods: ['POST'], params: AUTH_PARAMS }],
    [2, { label: 'auth resume', path: `/auth/${r.chance(0.5) ? c.uid : any}`, methods: ['GET'], params: ['x'] }],
    [8, { label: 'token', path: '/token', methods: ['POST'], params: TOKEN_PARAMS, deep: 'client-auth' }],
    [
      5,
      {
        label: 'introspection',
        path: '/token/introspection',
        methods: ['POST'],
        params: TOKEN_AUTH,
        deep: 'client-auth',
      },
    ],
    [5, { label: 'revocation', path: '/token/revocation', methods: ['POST'], params: TOKEN_AUTH, deep: 'client-auth' }],
    [5, { label: 'userinfo', path: '/me', methods: ['GET', 'POST'], params: ['access_token', 'x'] }],
    [5, { label: 'registration', path: '/reg', methods: ['POST'], params: CLIENT_METADATA, registration: true }],
    [
      2,
      {
        label: 'registration mgmt',
        path: `/reg/${r.chance(0.5) ? c.clientId : any}`,
        methods: ['GET', 'PUT', 'DELETE'],
        params: CLIENT_METADATA,
      },
    ],
    [5, { label: 'end session', path: '/session/end', methods: ['GET', 'POST'], params: END_SESSION }],
    [
      3,
      {
        label: 'end session confirm',
        path: '/session/end/confirm',
        methods: ['POST'],
        params: ['xsrf', 'logout', ...END_SESSION],
      },
    ],
    [
      1,
      { label: 'end session success', path: '/session/end/success', methods: ['GET'], params: ['client_id', 'state'] },
    ],
    [
      2,
      {
        label: 'other provider routes',
        path: r.pick(['/request', '/device', '/device/auth', '/backchannel', '/challenge', '/credential']),
        methods: ['POST', 'GET'],
        params: [...AUTH_PARAMS, ...TOKEN_AUTH],
      },
    ],
    [4, { label: 'interaction GET', path: `/interaction/${uid}`, methods: ['GET'], params: ['x'] }],
    [
      6,
      {
        label: 'interaction login',
        path: `/interaction/${uid}/login`,
        methods: ['POST'],
        params: ['email', 'password', 'csrf'],
        deep: 'interaction-form',
      },
    ],
    [
      3,
      {
        label: 'interaction confirm',
        path: `/interaction/${uid}/confirm`,
        methods: ['POST'],
        params: ['csrf', 'scope'],
        deep: 'interaction-form',
      },
    ],
    [
      3,
      {
        label: 'interaction abort',
        path: `/interaction/${uid}/abort`,
        methods: ['POST'],
        params: ['csrf'],
        deep: 'interaction-form',
      },
    ],
    [
      4,
      {
        label: 'sign-up, recovery, two-step',
        path: `/interaction/${uid}/${r.pick(['signup', 'recover', 'two-step'])}${r.pick(['', '/', '/verify', '/resend'])}`,
        methods: ['GET', 'POST'],
        params: ['email', 'csrf', 'flow', 'code', 'name', 'password'],
        deep: 'interaction-form',
      },
    ],
    [
      3,
      {
        label: 'account email change',
        path: r.pick([
          '/account/email',
          '/account/email/verify',
          '/account/email/resend',
          `/account/email/undo/${any}`,
          '/account/two-step/add',
          '/account/two-step/confirm',
          '/account/two-step/recovery',
          `/account/two-step/${any}/remove`,
        ]),
        methods: ['GET', 'POST'],
        params: ['csrf', 'email', 'current_password', 'flow', 'code', 'name', 'factor'],
        deep: 'account-form',
      },
    ],
    [
      3,
      {
        label: 'account',
        path: r.pick(['/account', '/account/', '/account/callback', '/account/signed-out']),
        methods: ['GET'],
        params: ['code', 'state', 'iss', 'error', 'error_description', 'done'],
      },
    ],
    [
      5,
      {
        label: 'account POST',
        path: r.pick([
          `/account/sessions/${any}/end`,
          `/account/apps/${any}/revoke`,
          '/account/password',
          '/account/logout',
        ]),
        methods: ['POST'],
        params: ['csrf', 'current_password', 'new_password', 'confirm_password'],
        deep: 'account-form',
      },
    ],
    [2, { label: 'health', path: r.pick(['/healthz', '/readyz']), methods: ['GET'], params: ['x'] }],
    [
      1,
      {
        label: 'assets',
        path: `/assets/${r.pick(['signet.css', 'x', '..%2fpackage.json', '%2e%2e%2f%2e%2e%2fpackage.json', any])}`,
        methods: ['GET'],
        params: ['v'],
      },
    ],
    [1, { label: 'home', path: '/', methods: ['GET'], params: ['x'] }],
    [
      3,
      {
        label: 'unknown',
        path: `/${Array.from({ length: r.range(1, 4) }, () => randomSegment(r)).join(r.pick(['/', '//', '/./']))}`,
        methods: ['GET', 'POST'],
        params: ['x', 'y'],
      },
    ],
  ];
}

export function randomRequest(seed: number, index: number, c: FuzzContext): FuzzRequest {
  const r = Rand.forRequest(seed, index);
  const req = build(r, c, r.weighted(endpointShapes(r, c)));
  // Never log out the /account session the fuzzer itself depends on (its cookies are real).
  if (req.path.startsWith('/account/logout')) delete req.headers.cookie;
  return req;
}

/** Every endpoint at least once with each hand-picked hostile edge, before the random batches. */
export function edgeCorpus(seed: number, c: FuzzContext): FuzzRequest[] {
  const out: FuzzRequest[] = [];
  const r = new Rand(mulberry32(seed ^ 0x5eed));
  const shapes = endpointShapes(r, c).map(([, s]) => s);
  const edges: Array<(s: Shape) => FuzzRequest> = [
    (s) => ({ label: s.label, method: 'GET', path: `${s.path}?%zz=%&%E0%A4=%C0%80&a=%`, headers: {} }),
    (s) => ({
      label: s.label,
      method: 'POST',
      path: s.path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('a=%zz&b=%&c=%E0%A4&%=1'),
    }),
    (s) => ({
      label: s.label,
      method: 'POST',
      path: s.path,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"a":'),
    }),
    (s) => ({
      label: s.label,
      method: 'POST',
      path: s.path,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('['.repeat(40_000) + ']'.repeat(40_000)),
    }),
    (s) => ({
      label: s.label,
      method: 'POST',
      path: s.path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(`a=${'x'.repeat(100_000)}`),
    }),
    (s) => ({
      label: s.label,
      method: 'POST',
      path: s.path,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
      body: Buffer.from('not gzip at all'),
    }),
    (s) => ({
      label: s.label,
      method: 'POST',
      path: s.path,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-16' },
      body: Buffer.from('a=b'),
    }),
    (s) => ({
      label: s.label,
      method: 'POST',
      path: s.path,
      headers: {},
      body: Buffer.from('a=\u0000b&\u0000=\u0000'),
    }),
    (s) => ({
      label: s.label,
      method: 'PUT',
      path: s.path,
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from('x'),
    }),
    (s) => ({ label: s.label, method: 'DELETE', path: s.path, headers: {} }),
    (s) => ({ label: s.label, method: 'PATCH', path: s.path, headers: {} }),
    (s) => ({
      label: s.label,
      method: 'OPTIONS',
      path: s.path,
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    }),
    (s) => ({ label: s.label, method: 'GET', path: `${s.path}?${'q'.repeat(7000)}`, headers: {} }),
    (s) => ({
      label: s.label,
      method: 'GET',
      path: `${s.path}?client_id=${c.clientId}&client_id=${c.clientId}&redirect_uri=&redirect_uri=x`,
      headers: {},
    }),
    (s) => ({
      label: s.label,
      method: s.methods[0] ?? 'GET',
      path: s.path,
      headers: {
        authorization: `Bearer ${b64u('{"alg":"none"}')}.${b64u('{"sub":"x"}')}.`,
        cookie:
          'signet.session=x; signet.session.sig=y; signet.csrf=%zz; signet.account=\u00ff; signet.interaction=a.b.c',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: Buffer.from(
        `id_token_hint=a.b.c&client_assertion=${b64u('{"alg":"none"}')}.e30.&request=a.b.c&token=a.b.c`,
      ),
    }),
  ];
  for (const s of shapes) for (const edge of edges) out.push(edge(s));
  return out.map((q) => ({
    ...q,
    path: wire(q.path),
    headers: Object.fromEntries(Object.entries(q.headers).map(([k, v]) => [k, headerSafe(v)])),
  }));
}
