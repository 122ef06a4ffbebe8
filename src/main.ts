import { createApp } from './app.js';
import { loadConfig } from './config/load-config.js';
import { ConfigError } from './errors.js';

// The only reader of process.env and the only caller of process.exit.
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`signet: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  const signet = await createApp(config);
  const { port } = await signet.listen(config.port);
  signet.logger.info(
    { port, issuer: config.issuer, store: signet.store.kind, node: process.version },
    `Signet listening on ${config.issuer} (discovery: ${config.issuer}/.well-known/openid-configuration)`,
  );

  const shutdown = (signal: string) => {
    signet.logger.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => {
      signet.logger.error('shutdown took longer than 25s; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    signet.close().then(
      () => process.exit(0),
      (err: unknown) => {
        signet.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`signet: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
