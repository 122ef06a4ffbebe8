// `npm start` and `npm run cli` build only when the sources changed, and several calls at once never
// read a half-written build. Run on a tiny project that carries this repository's package.json scripts
// and build scripts, so a compile takes a second, not the whole of src/.

import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TIMEOUT = 90_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function npm(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('build once', () => {
  let project: string;
  const cli = () => npm(project, ['run', '--silent', 'cli', '--', 'hello']);
  const setValue = (value: number) =>
    writeFile(join(project, 'src', 'value.ts'), `export const value: number = ${value};\n`);
  const built = async () => ({
    dir: await realpath(join(project, 'dist')),
    mtime: (await stat(join(project, 'dist', 'cli.js'))).mtimeMs,
  });

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'signet-build-'));
    await mkdir(join(project, 'scripts'));
    await mkdir(join(project, 'src'));
    for (const file of ['package.json', 'scripts/build-lib.mjs', 'scripts/build.mjs', 'scripts/launch.mjs']) {
      await copyFile(join(REPO, file), join(project, file));
    }
    await symlink(join(REPO, 'node_modules'), join(project, 'node_modules'));
    const compilerOptions = {
      target: 'es2024',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      types: ['node'],
      skipLibCheck: true,
      outDir: 'dist',
    };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }));
    await writeFile(
      join(project, 'tsconfig.build.json'),
      JSON.stringify({ extends: './tsconfig.json', compilerOptions: { rootDir: 'src' }, include: ['src'] }),
    );
    await writeFile(
      join(project, 'src', 'cli.ts'),
      "import { value } from './value.js';\nprocess.stdout.write(JSON.stringify({ value, args: process.argv.slice(2) }) + '\\n');\n",
    );
    await setValue(1);
  }, TIMEOUT);

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  test(
    'npm run build publishes a build that npm run cli runs',
    async () => {
      const build = await npm(project, ['run', '--silent', 'build']);
      expect({ code: build.code, stderr: build.stderr }).toEqual({ code: 0, stderr: '' });
      const run = await cli();
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ value: 1, args: ['hello'] });
    },
    TIMEOUT,
  );

  test(
    'with nothing changed, a call runs the existing build without compiling',
    async () => {
      const before = await built();
      const run = await cli();
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(await built()).toEqual(before);
    },
    TIMEOUT,
  );

  test(
    'a changed source is compiled once, into a new build',
    async () => {
      const before = await built();
      await setValue(2);
      const first = await cli();
      expect(JSON.parse(first.stdout)).toEqual({ value: 2, args: ['hello'] });
      expect(first.stderr).toMatch(/building/);
      const after = await built();
      expect(after.dir).not.toBe(before.dir);
      const second = await cli();
      expect(second.stderr).toBe('');
      expect(await built()).toEqual(after);
    },
    TIMEOUT,
  );

  test(
    'calls at once after a change: one compiles, the others wait, every one runs the new build',
    async () => {
      await setValue(3);
      const runs = await Promise.all([cli(), cli(), cli(), cli()]);
      for (const run of runs) {
        expect({ code: run.code, out: run.stdout.trim() }).toEqual({
          code: 0,
          out: JSON.stringify({ value: 3, args: ['hello'] }),
        });
      }
      expect(runs.filter((run) => /sources changed/.test(run.stderr))).toHaveLength(1);
    },
    TIMEOUT,
  );

  test(
    'type errors stop the call, and the next call reports them again',
    async () => {
      await writeFile(join(project, 'src', 'value.ts'), "export const value: number = 'four';\n");
      for (let i = 0; i < 2; i++) {
        const run = await cli();
        expect(run.code).not.toBe(0);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(/value\.ts.*TS2322/);
      }
      await setValue(4);
      expect(JSON.parse((await cli()).stdout)).toEqual({ value: 4, args: ['hello'] });
    },
    TIMEOUT,
  );

  test(
    'an older Node running the launcher gets one clear line and a non-zero exit',
    async () => {
      // The machine's own Node (outside node_modules), when it is older than the project's.
      const older = ['/usr/bin/node', '/usr/local/bin/node'].find(
        (path) => existsSync(path) && !/^v24\./.test(execFileSync(path, ['--version'], { encoding: 'utf8' })),
      );
      if (!older) {
        console.warn('no Node older than 24 on this machine: the version message is not exercised');
        return;
      }
      const run = await new Promise<Run>((resolve) => {
        execFile(older, ['scripts/launch.mjs', 'cli'], { cwd: project }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
        );
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^signet: Node\.js 24 is required, this is v\d+[^\n]*npm ci[^\n]*\n$/);
    },
    TIMEOUT,
  );

  test('package.json asks npm for no engine it would warn about (the project brings its own Node)', async () => {
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {
      engines?: { node?: string };
      dependencies: Record<string, string>;
    };
    expect(pkg.engines?.node).toBeUndefined();
    expect(pkg.dependencies.node).toMatch(/^24\./);
  });
});
