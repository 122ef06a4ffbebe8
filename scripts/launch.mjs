// `npm start` and `npm run cli` run `node scripts/launch.mjs main|cli [args]`. This stops a Node older than
// the project's with one clear line, turns on V8's compile cache for itself and the workers it forks (a
// second start compiles less again), builds only when the sources changed since the last build (a call
// with nothing changed costs a hash of src/, milliseconds, not a compile), then runs dist/<entry>.js as if
// node had been given it.
import { realpathSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuild, ROOT } from './build-lib.mjs';

const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < REQUIRED_MAJOR) {
  process.stderr.write(
    `signet: Node.js ${REQUIRED_MAJOR} is required, this is ${process.version} (${process.execPath}). ` +
      `\`npm ci\` installs Node.js ${REQUIRED_MAJOR} as the "node" package: run Signet with \`npm start\` or \`npm run cli\` after \`npm ci\`.\n`,
  );
  process.exit(1);
}

const ENTRIES = new Set(['main', 'cli']);
const entry = process.argv[2];
if (!ENTRIES.has(entry)) {
  process.stderr.write(`usage: node scripts/launch.mjs ${[...ENTRIES].join('|')} [arguments]\n`);
  process.exit(2);
}

const COMPILE_CACHE = join(ROOT, 'node_modules', '.cache', 'signet-compile-cache');
module.enableCompileCache?.(COMPILE_CACHE);
// A cluster worker runs dist/main.js itself, not this launcher: told through the environment, Node turns the
// cache on in each worker before it loads anything (unless the operator chose a directory, or NODE_DISABLE_COMPILE_CACHE).
process.env.NODE_COMPILE_CACHE ??= COMPILE_CACHE;

const code = await ensureBuild({ log: (message) => process.stderr.write(`signet: ${message}\n`) });
if (code !== 0) {
  process.stderr.write('signet: the build reported errors (above); fix them, then run the command again\n');
  process.exit(code);
}

// Resolved once, here: the whole program (and every cluster worker it forks, which runs argv[1]) comes
// from this one build, even if a newer one is published while it runs.
const file = realpathSync(join(ROOT, 'dist', `${entry}.js`));
process.argv.splice(1, 2, file);
await import(pathToFileURL(file).href);
