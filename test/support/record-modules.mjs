// Loaded with `--import` (NODE_OPTIONS, so cluster workers load it too): writes one line per module a
// process loads to the file named by SIGNET_MODULE_LOG, as `pid <TAB> role <TAB> url`, and first a line
// with the compile cache directory in use. Tests read it to see what a command or a process loads.
import { appendFileSync } from 'node:fs';
import cluster from 'node:cluster';
import module from 'node:module';

const file = process.env.SIGNET_MODULE_LOG;
if (file) {
  // Under WORKERS > 1 the primary forks a one-shot preparer (SIGNET_PREPARE=1) before its workers.
  const role = cluster.isPrimary ? 'primary' : process.env.SIGNET_PREPARE === '1' ? 'preparer' : 'worker';
  const record = (what) => appendFileSync(file, `${process.pid}\t${role}\t${what}\n`);
  record(`compile-cache:${module.getCompileCacheDir() ?? ''}`);
  module.registerHooks({
    load(url, context, next) {
      const loaded = next(url, context);
      if (!url.startsWith('node:')) record(url);
      return loaded;
    },
  });
}
