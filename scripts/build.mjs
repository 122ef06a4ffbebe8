// `npm run build` (always compiles) and `npm ci`'s prepare step (`--if-stale`: only when the sources
// changed; nothing to do where there are no sources, as in an image layer that installs dependencies first).
import { ensureBuild, hasSources } from './build-lib.mjs';

const ifStale = process.argv.includes('--if-stale');
if (ifStale && !hasSources()) {
  process.stderr.write('signet: no sources (or no TypeScript) here: nothing to build\n');
} else {
  const log = (message) => process.stderr.write(`signet: ${message}\n`);
  process.exitCode = await ensureBuild({ force: !ifStale, log: ifStale ? log : undefined });
}
