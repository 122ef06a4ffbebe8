import { z } from 'zod';

export const MEMORY_PROFILES = ['fast', 'lean'] as const;
export type MemoryProfile = (typeof MEMORY_PROFILES)[number];

const seconds = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .positive()
    .max(10 * 365 * 24 * 3600)
    .default(fallback);

/** Raw environment → typed values. Cross-field rules live in load-config.ts. */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must be a mongodb:// or mongodb+srv:// URI')
    .optional(),
  INITIAL_ACCESS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** token (unset): an initial access token is required; closed: no dynamic registration (404); open: anyone may register. */
  REGISTRATION: z.enum(['closed', 'token', 'open']).optional(),
  NODE_ENV: z.string().optional(),
  KEY_ENCRYPTION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  KEY_ENCRYPTION_SECRET_FILE: z.string().min(1).optional(),
  KEY_ENCRYPTION_SECRET_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
  KEY_ACTIVATION_DELAY: seconds(3600),
  KEY_REFRESH_INTERVAL: seconds(60).pipe(z.number().max(3600, 'must be at most 3600')),
  /**
   * Seconds between each node's re-reads of the store's client change counter: how late a client changed
   * elsewhere (another node, the CLI) can be served as it was. 0 keeps no client in memory.
   */
  CLIENT_REFRESH_INTERVAL: z.coerce
    .number()
    .min(0, 'must be 0 or more')
    .max(60, 'must be at most 60: a changed or deleted client must stop working soon')
    .default(1),
  /**
   * How many proxies in front of Signet append to X-Forwarded-For: `true` is one hop, a number is that
   * many. The client address is the one the outermost trusted proxy saw, never what the client wrote.
   */
  TRUST_PROXY: z
    .union([
      z.enum(['true', 'false', '1', '0', 'yes', 'no']),
      z.string().regex(/^\d+$/, 'must be true, false or a hop count'),
    ])
    .optional()
    .transform((v) =>
      v === undefined || ['false', '0', 'no'].includes(v) ? 0 : ['true', 'yes'].includes(v) ? 1 : Number(v),
    )
    .pipe(z.number().int().min(0).max(10, 'must be at most 10 hops')),
  /** Hosts (host or host:port) Signet may fetch from even when they resolve to private addresses. */
  OUTBOUND_ALLOWED_HOSTS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** json: one JSON object a line (for collectors); pretty: for people. Unset: pretty on a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  ACCESS_TOKEN_TTL: seconds(600),
  ID_TOKEN_TTL: seconds(600),
  AUTHORIZATION_CODE_TTL: seconds(60).pipe(z.number().max(600, 'must be at most 600 (RFC 6749 4.1.2)')),
  REFRESH_TOKEN_TTL: seconds(14 * 24 * 3600),
  GRANT_TTL: seconds(90 * 24 * 3600),
  SESSION_IDLE_TTL: seconds(3 * 24 * 3600),
  SESSION_ABSOLUTE_TTL: seconds(30 * 24 * 3600),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  DEMO: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
  REFRESH_TOKEN_REUSE_LEEWAY: z.coerce.number().int().min(0).max(60).default(0),
  MAX_SESSIONS_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).optional(),
  INTERACTION_TTL: seconds(600),
  /** Processes serving the one port (node:cluster); unset: one per core. */
  WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  /** What a serving process's V8 settings favour under load: CPU per request (fast) or resident memory (lean). */
  MEMORY_PROFILE: z.enum(MEMORY_PROFILES).default('fast'),
  /** Whether people may create accounts themselves: closed (operator only), invite, open. */
  SIGNUP: z.enum(['closed', 'invite', 'open']).default('closed'),
  /** Comma-separated domains sign-up is limited to (example.com, example.org); unset: any. */
  SIGNUP_EMAIL_DOMAINS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      const domains = value.split(',').map((d) => d.trim().toLowerCase().replace(/^@/, ''));
      const bad = domains.find((d) => !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(d));
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `"${bad}" is not a domain name (e.g. example.com)` });
        return z.NEVER;
      }
      return domains;
    }),
  /** "Forgot password?" on the login page. Unset: on wherever mail can go out (SMTP_URL, or development). */
  PASSWORD_RECOVERY: z.enum(['on', 'off']).optional(),
  /**
   * Passkeys (WebAuthn) on the login and account pages. Unset: on wherever the issuer can be a WebAuthn
   * relying party (a domain name, over https or on localhost); an IP address never can.
   */
  PASSKEYS: z.enum(['on', 'off']).optional(),
  /** smtp:// (STARTTLS when offered) or smtps:// (TLS from the start), credentials in the URL. */
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  /** The From of every mail: an address, or a display name and an address in angle brackets. */
  MAIL_FROM: z
    .string()
    .regex(
      /^(?:[^<>\r\n"]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/,
      'must be an address (a@example.com) or "Name <a@example.com>"',
    )
    .optional(),
  /** Seconds each SMTP phase (connect, greeting, any silence) may take; one send gets twice that at most. */
  MAIL_SEND_TIMEOUT: z.coerce.number().int().min(1).max(300).default(30),
});

export type RawEnv = z.infer<typeof envSchema>;

export interface Ttls {
  accessToken: number;
  idToken: number;
  authorizationCode: number;
  refreshToken: number;
  grant: number;
  sessionIdle: number;
  sessionAbsolute: number;
  interaction: number;
}

export interface Config {
  port: number;
  issuer: string;
  production: boolean;
  dataDir: string;
  store: { kind: 'sqlite'; dataDir: string } | { kind: 'mongodb'; uri: string };
  /** enabled: /reg exists; requireToken: only with an initial access token (INITIAL_ACCESS_TOKEN or CLI-issued). */
  registration: { enabled: boolean; requireToken: boolean; initialAccessToken?: string };
  /** Literal secret, or undefined: then a development secret is generated and kept in DATA_DIR. */
  keyEncryptionSecret?: string;
  /** The secret before the last change, still accepted for opening keys while they are re-wrapped. */
  previousKeyEncryptionSecret?: string;
  keys: {
    /** Seconds a rotated-in key is published before it signs (every node must have fetched it). */
    activationDelay: number;
    /** Seconds between each node's re-reads of the key store. */
    refreshInterval: number;
  };
  /** Seconds between each node's re-reads of the client change counter; 0: clients are read on every request. */
  clientRefreshInterval: number;
  /** Proxy hops trusted for X-Forwarded-*: 0 ignores them, 1 is a single TLS-terminating proxy. */
  trustProxy: number;
  /** Server-side fetches (jwks_uri, back-channel logout) may reach these hosts whatever they resolve to. */
  outboundAllowedHosts: readonly string[];
  logLevel: RawEnv['LOG_LEVEL'];
  /** undefined: decided by whoever writes the logs (pretty on a terminal, JSON otherwise). */
  logFormat?: 'json' | 'pretty';
  /** Bearer token for /metrics; without it /metrics is served outside production only. */
  metricsToken?: string;
  /** The /demo relying party: on by default outside production, refused in production. */
  demo: boolean;
  /** Seconds during which a just-rotated refresh token is refused without revoking the grant. */
  refreshReuseLeeway: number;
  /** Oldest sessions of an account end when it signs in beyond this many; undefined = no cap. */
  maxSessionsPerAccount?: number;
  ttl: Ttls;
  /** Worker processes behind the one port; 1 serves from the main process itself. */
  workers: number;
  /** The V8 settings every serving process starts with (cluster/memory-settings.ts). */
  memoryProfile: MemoryProfile;
  signup: RawEnv['SIGNUP'];
  /** Sign-up only for addresses in these domains; undefined: any domain. */
  signupDomains?: readonly string[];
  /** Whether people may recover a forgotten password with a code by mail. */
  passwordRecovery: boolean;
  /** Whether passkeys are offered; their relying-party id is the issuer's host name. */
  passkeys: boolean;
  mail: MailConfig;
}

/**
 * Where mail goes: an SMTP server; .eml files in DATA_DIR/outbox (development without SMTP_URL); or
 * nowhere (production without SMTP_URL, where nothing that needs mail may be enabled).
 */
export type MailTransportConfig = { kind: 'smtp'; url: string } | { kind: 'files'; dir: string } | { kind: 'none' };

export interface MailConfig {
  transport: MailTransportConfig;
  from: string;
  /** Milliseconds per SMTP phase (see MAIL_SEND_TIMEOUT). */
  sendTimeoutMs: number;
}
