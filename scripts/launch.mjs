// `npm start` and `npm run cli` run `node --import ./scripts/launch.mjs dist/<entry>.js`: this runs first,
// before the entry is even resolved. It stops a Node older than the project's with one clear line, turns
// on V8's compile cache (the second start parses nothing again), and builds only when the sources changed
// since the last build, so a call with nothing changed costs a hash of src/ (milliseconds), not a compile.
import module from 'node:module';
import { join } from 'node:path';
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

module.enableCompileCache?.(join(ROOT, 'node_modules', '.cache', 'signet-compile-cache'));

const code = await ensureBuild({ log: (message) => process.stderr.write(`signet: ${message}\n`) });
if (code !== 0) {
  process.stderr.write('signet: the build reported errors (above); fix them, then run the command again\n');
  process.exit(code);
}
