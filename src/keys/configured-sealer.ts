import type { Config } from '../config/schema.js';
import { developmentSecret, KeySealer } from './key-encryption.js';

type SealerConfig = Pick<Config, 'dataDir' | 'keyEncryptionSecret' | 'previousKeyEncryptionSecret'>;

/**
 * The sealer a server opens its keys with: the configured secret seals (or, with none configured, the
 * development one beside the data), and the previous secret still opens what it sealed until a rewrap.
 * `withoutSecret` decides what stands in for a missing configured secret: a server makes the development
 * one; a tool that must not create one (an import target) reads it or refuses.
 */
export function configuredSealer(
  config: SealerConfig,
  withoutSecret: (dataDir: string) => string = developmentSecret,
): KeySealer {
  const previous = config.previousKeyEncryptionSecret ? [config.previousKeyEncryptionSecret] : [];
  return new KeySealer([config.keyEncryptionSecret ?? withoutSecret(config.dataDir), ...previous]);
}
