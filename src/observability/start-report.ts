import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SignetApp } from '../app.js';
import type { Config } from '../config/schema.js';
import { DEV_SECRET_FILE } from '../keys/key-encryption.js';
import { DATABASE_FILE } from '../storage/sqlite/database-file.js';

// What a person starting Signet needs to know, above all the first time: where its data lives, what the
// start just created, where to go next.

export interface BeforeStart {
  startedAt: number;
  /** Whether the development key-encryption secret file was there before this start. */
  devSecretExisted: boolean;
}

export function beforeStart(config: Readonly<Config>, now: number): BeforeStart {
  return { startedAt: now, devSecretExisted: existsSync(join(config.dataDir, DEV_SECRET_FILE)) };
}

export interface StartFacts {
  issuer: string;
  /** The database file, or MongoDB's host and database (never its credentials). */
  data: string;
  /** Set when keys are sealed with the development secret kept in this file. */
  devSecretFile?: string;
  devSecretCreated: boolean;
  keysGenerated: number;
  hasAccounts: boolean;
  demo: boolean;
}

function where(config: Readonly<Config>): string {
  if (config.store.kind === 'sqlite') return join(config.store.dataDir, DATABASE_FILE);
  const url = new URL(config.store.uri);
  return `MongoDB at ${url.host}${url.pathname}`;
}

export async function gatherStartFacts(
  signet: Pick<SignetApp, 'config' | 'keyAdmin' | 'store'>,
  before: BeforeStart,
): Promise<StartFacts> {
  const { config } = signet;
  const keys = await signet.keyAdmin.list();
  const devSecret = config.keyEncryptionSecret === undefined;
  return {
    issuer: config.issuer,
    data: where(config),
    ...(devSecret ? { devSecretFile: join(config.dataDir, DEV_SECRET_FILE) } : {}),
    devSecretCreated: devSecret && !before.devSecretExisted,
    keysGenerated: keys.filter((k) => Date.parse(k.published_at) >= before.startedAt).length,
    hasAccounts: (await signet.store.accounts.list({ limit: 1 })).length > 0,
    demo: config.demo,
  };
}

export const FIRST_USER_COMMAND = 'npm run --silent cli -- user create --email you@example.com --password-stdin';

/** One log record: `headline` and `fields` for JSON logs, `lines` for people reading a terminal. */
export function startReport(
  facts: StartFacts,
  workers: number,
): { headline: string; fields: Record<string, unknown>; lines: string[] } {
  const urls = {
    discovery: `${facts.issuer}/.well-known/openid-configuration`,
    account: `${facts.issuer}/account`,
    ...(facts.demo ? { demo: `${facts.issuer}/demo` } : {}),
  };
  const headline = `Signet listening on ${facts.issuer}${workers > 1 ? ` with ${workers} workers (SIGHUP: rolling restart)` : ''}`;
  const lines = [
    headline,
    `  data:       ${facts.data}`,
    ...(facts.keysGenerated > 0
      ? [`  keys:       ${facts.keysGenerated} generated on this first start, stored sealed`]
      : []),
    ...(facts.devSecretFile
      ? [
          `  dev secret: ${facts.devSecretFile}${facts.devSecretCreated ? ' (created now)' : ''}: seals the keys; set KEY_ENCRYPTION_SECRET in production`,
        ]
      : []),
    `  discovery:  ${urls.discovery}`,
    `  account:    ${urls.account}`,
    ...(urls.demo ? [`  demo:       ${urls.demo}`] : []),
    ...(facts.hasAccounts ? [] : [`  first user: ${FIRST_USER_COMMAND}  (the password: first line of standard input)`]),
  ];
  const fields = {
    issuer: facts.issuer,
    data: facts.data,
    keysGenerated: facts.keysGenerated,
    ...(facts.devSecretFile ? { devSecretFile: facts.devSecretFile, devSecretCreated: facts.devSecretCreated } : {}),
    urls,
    ...(facts.hasAccounts ? {} : { firstUser: FIRST_USER_COMMAND }),
    workers,
  };
  return { headline, fields, lines };
}
