// Runs the relying-party snippets of /button as a developer would: the snippet text written to a file of
// a fresh project folder (with this repository's node_modules, where the libraries the snippet names are
// pinned), started with `node` on a loopback port, configured through the environment variables the
// snippet reads. Resolves once the app prints that it listens; a start-up crash rejects with its output.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { freePort } from './ferretdb.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NEXT_HOST = fileURLToPath(new URL('./snippet-host/next-host.cjs', import.meta.url));
const NEXT_HEADERS = fileURLToPath(new URL('./snippet-host/next-headers.cjs', import.meta.url));
const NEXT_HEADERS_TYPES = fileURLToPath(new URL('./snippet-host/next-headers.d.ts', import.meta.url));

export interface SnippetFile {
  path: string;
  code: string;
}

export interface SnippetApp {
  /** http://127.0.0.1:PORT: the APP_URL the app was given. */
  origin: string;
  /** What the app wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Waits for a line announcing the listener; rejects with the output if the process ends first. */
function started(child: ChildProcessByStdio<null, Readable, Readable>, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`the snippet app exited (${code}) before listening:\n${output()}`));
    child.once('exit', onExit);
    child.stdout.on('data', () => {
      if (/Listening/.test(output())) {
        child.off('exit', onExit);
        resolve();
      }
    });
  });
}

async function run(dir: string, args: string[], env: Record<string, string>, origin: string): Promise<SnippetApp> {
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await started(child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin, output: () => output, stop };
}

/** A loopback port for the app and the APP_URL that goes with it, known before the client is registered. */
export async function appAddress(): Promise<{ port: number; origin: string }> {
  const port = await freePort();
  return { port, origin: `http://127.0.0.1:${port}` };
}

/** `node server.mjs` with the Express snippet, as the snippet's first line says to run it. */
export async function startExpressSnippet(
  code: string,
  port: number,
  env: Record<string, string>,
): Promise<SnippetApp> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-snippet-express-'));
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(join(dir, 'server.mjs'), code);
  return run(
    dir,
    ['server.mjs'],
    { ...env, PORT: String(port), HOST: '127.0.0.1', APP_URL: `http://127.0.0.1:${port}` },
    `http://127.0.0.1:${port}`,
  );
}

/** A Next.js project folder: the snippet's files under their paths, openid-client, and next/headers. */
async function nextProject(files: SnippetFile[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-snippet-next-'));
  await mkdir(join(dir, 'node_modules', 'next'), { recursive: true });
  await symlink(join(REPO, 'node_modules', 'openid-client'), join(dir, 'node_modules', 'openid-client'), 'dir');
  await writeFile(
    join(dir, 'node_modules', 'next', 'headers.js'),
    `module.exports = require(${JSON.stringify(NEXT_HEADERS)});\n`,
  );
  await writeFile(join(dir, 'package.json'), '{ "private": true, "type": "commonjs" }\n');
  for (const file of files) {
    await mkdir(dirname(join(dir, file.path)), { recursive: true });
    await writeFile(join(dir, file.path), file.code);
  }
  return dir;
}

/**
 * Type-checks the Next.js snippet with the compiler options `create-next-app` writes (strict, bundler
 * resolution, DOM and Node types), against openid-client's real types; returns the diagnostics.
 */
export async function typeCheckNextSnippet(files: SnippetFile[]): Promise<string[]> {
  const dir = await nextProject(files);
  try {
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      isolatedModules: true,
      esModuleInterop: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.dom.d.ts', 'lib.dom.iterable.d.ts', 'lib.esnext.d.ts'],
      types: ['node'],
      typeRoots: [join(REPO, 'node_modules', '@types')],
      paths: { 'next/headers': [NEXT_HEADERS_TYPES] },
    };
    const program = ts.createProgram(
      files.map((file) => join(dir, file.path)),
      options,
    );
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file
        ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: `
        : '';
      return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The Next.js snippet compiled as Next compiles it (TypeScript to JavaScript), its route handlers served. */
export async function startNextSnippet(
  files: SnippetFile[],
  port: number,
  env: Record<string, string>,
): Promise<SnippetApp> {
  const compiled = files.map((file) => ({
    path: file.path.replace(/\.ts$/, '.js'),
    code: ts.transpileModule(file.code, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file.path,
    }).outputText,
  }));
  const dir = await nextProject(compiled);
  return run(
    dir,
    [NEXT_HOST, dir, String(port), '127.0.0.1'],
    { ...env, APP_URL: `http://127.0.0.1:${port}` },
    `http://127.0.0.1:${port}`,
  );
}
