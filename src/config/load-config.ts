import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { LOOPBACK_HOSTS } from '../net/address-policy.js';
import { type Config, envSchema, type RawEnv } from './schema.js';

/**
 * Reads the environment once, reports every problem at once (each naming its variable), and returns a
 * frozen Config. main.ts and cli.ts hand it the environment; nothing else reads it.
 */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const e = parseEnv(env);
  const issuer = (e.ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const issuerUrl = new URL(issuer);
  const problems = consistencyProblems(e, issuerUrl);
  const keyEncryptionSecret = readKeyEncryptionSecret(e, problems);
  if (e.NODE_ENV === 'production') problems.push(...productionProblems(e, issuerUrl, keyEncryptionSecret));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(toConfig(e, issuer, keyEncryptionSecret));
}

/** The variables as the schema reads them, with unset and empty ones alike left out. */
function parseEnv(env: Record<string, string | undefined>): RawEnv {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`));
  }
  return parsed.data;
}

/** Settings that contradict each other, whatever the mode. */
function consistencyProblems(e: RawEnv, issuerUrl: URL): string[] {
  const problems: string[] = [];
  if (e.INITIAL_ACCESS_TOKEN && e.REGISTRATION && e.REGISTRATION !== 'token') {
    problems.push(
      `REGISTRATION: ${e.REGISTRATION} contradicts INITIAL_ACCESS_TOKEN (which requires a token); leave it unset or use token`,
    );
  }
  if (e.KEY_ACTIVATION_DELAY < 2 * e.KEY_REFRESH_INTERVAL) {
    problems.push(
      'KEY_ACTIVATION_DELAY: must be at least twice KEY_REFRESH_INTERVAL, so every node publishes a key before any signs with it',
    );
  }
  if (e.SESSION_IDLE_TTL > e.SESSION_ABSOLUTE_TTL)
    problems.push('SESSION_IDLE_TTL: must not exceed SESSION_ABSOLUTE_TTL');
  if (e.REFRESH_TOKEN_TTL > e.GRANT_TTL)
    problems.push('REFRESH_TOKEN_TTL: must not exceed GRANT_TTL (the absolute cap)');
  if (issuerUrl.search || issuerUrl.hash) problems.push('ISSUER: must not have a query or fragment');
  if (e.PASSKEYS === 'on' && !passkeyIssuer(issuerUrl)) {
    problems.push(
      'PASSKEYS: on needs an ISSUER whose host is a domain name, over https or on localhost (WebAuthn refuses IP addresses)',
    );
  }
  return problems;
}

/**
 * Whether browsers accept the issuer as a WebAuthn relying party: its id must be a domain (never an IP
 * address) and the page a secure context (https, or localhost during development).
 */
function passkeyIssuer(issuerUrl: URL): boolean {
  const host = issuerUrl.hostname;
  if (host.startsWith('[') || /^\d+(\.\d+){3}$/.test(host)) return false;
  return issuerUrl.protocol === 'https:' || host === 'localhost';
}

/** KEY_ENCRYPTION_SECRET, or the file KEY_ENCRYPTION_SECRET_FILE names; what is wrong goes to `problems`. */
function readKeyEncryptionSecret(e: RawEnv, problems: string[]): string | undefined {
  if (!e.KEY_ENCRYPTION_SECRET_FILE) return e.KEY_ENCRYPTION_SECRET;
  if (e.KEY_ENCRYPTION_SECRET) {
    problems.push('KEY_ENCRYPTION_SECRET_FILE: set either it or KEY_ENCRYPTION_SECRET, not both');
    return e.KEY_ENCRYPTION_SECRET;
  }
  try {
    const secret = readFileSync(e.KEY_ENCRYPTION_SECRET_FILE, 'utf8').trim();
    if (secret.length < 32) problems.push('KEY_ENCRYPTION_SECRET_FILE: the secret must be at least 32 characters');
    return secret;
  } catch (err) {
    problems.push(
      `KEY_ENCRYPTION_SECRET_FILE: cannot read ${e.KEY_ENCRYPTION_SECRET_FILE} (${(err as Error).message})`,
    );
    return undefined;
  }
}

/** What production refuses: development conveniences, and settings that would leak or lock people out. */
function productionProblems(e: RawEnv, issuerUrl: URL, keyEncryptionSecret: string | undefined): string[] {
  const problems: string[] = [];
  if (issuerUrl.protocol !== 'https:' && !LOOPBACK_HOSTS.has(issuerUrl.hostname)) {
    problems.push('ISSUER: must be https in production (NODE_ENV=production)');
  }
  if (!keyEncryptionSecret) {
    problems.push(
      'KEY_ENCRYPTION_SECRET: required in production (or KEY_ENCRYPTION_SECRET_FILE); development keys are refused',
    );
  }
  if (issuerUrl.protocol === 'https:' && !e.TRUST_PROXY) {
    problems.push(
      'TRUST_PROXY: must be true with an https ISSUER (Signet serves plain HTTP behind a TLS-terminating proxy, whose X-Forwarded-Proto makes cookies Secure)',
    );
  }
  // Only a folder that holds something sensitive must be private: the embedded store, or the development
  // key-encryption secret (refused above anyway). With MONGODB_URI and a real secret nothing is kept there.
  const sensitive = !e.MONGODB_URI || !keyEncryptionSecret;
  const dataDirMode = sensitive ? worldAccess(resolve(e.DATA_DIR)) : undefined;
  if (dataDirMode)
    problems.push(
      `DATA_DIR: ${resolve(e.DATA_DIR)} is ${dataDirMode} by other users; chmod o-rwx it (it holds the store and may hold secrets)`,
    );
  if (demoAsked(e)) problems.push('DEMO: the demo relying party is refused in production');
  if (e.REGISTRATION === 'open') {
    problems.push(
      'REGISTRATION: open registration (no initial access token) is refused in production; use REGISTRATION=token',
    );
  }
  // Sign-up and recovery prove addresses by mail: without a mail server nobody could finish them.
  if (e.SIGNUP !== 'closed' && !e.SMTP_URL)
    problems.push(`SMTP_URL: required in production with SIGNUP=${e.SIGNUP} (codes go out by mail)`);
  if (e.PASSWORD_RECOVERY === 'on' && !e.SMTP_URL)
    problems.push('SMTP_URL: required in production with PASSWORD_RECOVERY=on (codes go out by mail)');
  if (e.SMTP_URL && !e.MAIL_FROM)
    problems.push('MAIL_FROM: required in production with SMTP_URL (an address the mail server may send from)');
  return problems;
}

function demoAsked(e: RawEnv): boolean {
  return e.DEMO !== undefined && ['true', '1', 'yes'].includes(e.DEMO);
}

function toConfig(e: RawEnv, issuer: string, keyEncryptionSecret: string | undefined): Config {
  const production = e.NODE_ENV === 'production';
  const dataDir = resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    issuer,
    production,
    dataDir,
    store: e.MONGODB_URI ? { kind: 'mongodb', uri: e.MONGODB_URI } : { kind: 'sqlite', dataDir },
    registration: registrationMode(e.REGISTRATION, e.INITIAL_ACCESS_TOKEN),
    ...(keyEncryptionSecret ? { keyEncryptionSecret } : {}),
    ...(e.KEY_ENCRYPTION_SECRET_PREVIOUS ? { previousKeyEncryptionSecret: e.KEY_ENCRYPTION_SECRET_PREVIOUS } : {}),
    keys: { activationDelay: e.KEY_ACTIVATION_DELAY, refreshInterval: e.KEY_REFRESH_INTERVAL },
    clientRefreshInterval: e.CLIENT_REFRESH_INTERVAL,
    trustProxy: e.TRUST_PROXY,
    outboundAllowedHosts: e.OUTBOUND_ALLOWED_HOSTS,
    logLevel: e.LOG_LEVEL,
    ...(e.LOG_FORMAT ? { logFormat: e.LOG_FORMAT } : {}),
    refreshReuseLeeway: e.REFRESH_TOKEN_REUSE_LEEWAY,
    ...(e.METRICS_TOKEN ? { metricsToken: e.METRICS_TOKEN } : {}),
    demo: production ? false : e.DEMO === undefined || demoAsked(e),
    ...(e.MAX_SESSIONS_PER_ACCOUNT ? { maxSessionsPerAccount: e.MAX_SESSIONS_PER_ACCOUNT } : {}),
    ttl: ttls(e),
    workers: e.WORKERS ?? availableParallelism(),
    memoryProfile: e.MEMORY_PROFILE,
    signup: e.SIGNUP,
    ...(e.SIGNUP_EMAIL_DOMAINS ? { signupDomains: e.SIGNUP_EMAIL_DOMAINS } : {}),
    passwordRecovery: e.PASSWORD_RECOVERY ? e.PASSWORD_RECOVERY === 'on' : Boolean(e.SMTP_URL) || !production,
    passkeys: e.PASSKEYS ? e.PASSKEYS === 'on' : passkeyIssuer(new URL(issuer)),
    mail: mailConfig(e, production, dataDir, new URL(issuer).hostname),
  };
}

function ttls(e: RawEnv): Config['ttl'] {
  return {
    accessToken: e.ACCESS_TOKEN_TTL,
    idToken: e.ID_TOKEN_TTL,
    authorizationCode: e.AUTHORIZATION_CODE_TTL,
    refreshToken: e.REFRESH_TOKEN_TTL,
    grant: e.GRANT_TTL,
    sessionIdle: e.SESSION_IDLE_TTL,
    sessionAbsolute: e.SESSION_ABSOLUTE_TTL,
    interaction: e.INTERACTION_TTL,
  };
}

/** SMTP when configured; otherwise, in development, files in the outbox folder, and in production nothing. */
function mailConfig(e: RawEnv, production: boolean, dataDir: string, issuerHost: string): Config['mail'] {
  return {
    transport: e.SMTP_URL
      ? { kind: 'smtp', url: e.SMTP_URL }
      : production
        ? { kind: 'none' }
        : { kind: 'files', dir: join(dataDir, 'outbox') },
    from: e.MAIL_FROM ?? `Signet <no-reply@${issuerHost.replace(/^\[|\]$/g, '')}>`,
    sendTimeoutMs: e.MAIL_SEND_TIMEOUT * 1000,
  };
}

/**
 * Unset means `token`: registration exists and takes an initial access token, so a token an operator
 * issues (`iat create`) works at once, and with no token issued nobody can register (401, not 404).
 */
function registrationMode(
  mode: 'closed' | 'token' | 'open' | undefined,
  fixed: string | undefined,
): Config['registration'] {
  const effective = mode ?? 'token';
  return {
    enabled: effective !== 'closed',
    requireToken: effective === 'token',
    ...(fixed ? { initialAccessToken: fixed } : {}),
  };
}

/** 'readable' / 'writable' when others may touch the folder; undefined when private or not there yet. */
function worldAccess(dir: string): string | undefined {
  try {
    const { mode } = statSync(dir);
    if (mode & 0o002) return 'writable';
    if (mode & 0o005) return 'readable';
  } catch {
    return undefined; // created later with mode 0700
  }
  return undefined;
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === 'object') deepFreeze(inner as object);
  }
  return Object.freeze(value);
}
