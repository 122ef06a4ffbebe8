import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { ValidationError } from '../errors.js';
import { configuredSealer } from '../keys/configured-sealer.js';
import { DEV_SECRET_FILE, existingDevelopmentSecret, type KeySealer } from '../keys/key-encryption.js';
import type { KeyRecord } from '../storage/store.js';

const ADVICE =
  "keys move sealed, so the target must run with the source's key-encryption secret: set KEY_ENCRYPTION_SECRET (or KEY_ENCRYPTION_SECRET_FILE) " +
  "to it, or in development keep the source's DATA_DIR (its key-encryption-secret file) for the target";

/**
 * The sealer the target server will open keys with: the secret createApp would choose, except that a
 * missing development secret is not generated here (a new one could not open the imported keys anyway).
 */
export function targetSealer(config: Readonly<Config>): KeySealer {
  return configuredSealer(config, (dataDir) => {
    const secret = existingDevelopmentSecret(dataDir);
    if (secret === undefined) {
      throw new ValidationError(
        `this target has no key-encryption secret (KEY_ENCRYPTION_SECRET is unset and there is no ${join(dataDir, DEV_SECRET_FILE)}); ${ADVICE}`,
      );
    }
    return secret;
  });
}

/** Refuses, before anything is written, a key the target server could not open: it would not start. */
export function assertOpens(sealer: KeySealer, key: KeyRecord): void {
  try {
    sealer.open(key.sealed, key.kid);
  } catch (err) {
    const sealedWith = sealer.sealedWith(key.sealed) ?? 'unknown';
    throw new ValidationError(
      `${(err as Error).message} (${key.kind} key ${key.kid} is sealed under secret id ${sealedWith}, this target's secret id is ${sealer.currentId}); ${ADVICE}`,
    );
  }
}
