// Runs the admin CLI the way an operator does: `node dist/cli.js ...` in a child process (npm test
// builds dist/ first). Shared by the CLI contract tests and the browser flow.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from '@jest/globals';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ...args` with the given environment; `stdin` is written then closed. */
/** Runs this Node (process.execPath: Node 24 under npm test) with `args`; `stdin` is written then closed. */
export function runNode(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // The CLI may exit before reading stdin (argument errors): ignore the resulting EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

/** `node dist/cli.js ...args`, as an operator runs `npm run --silent cli -- ...args`. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<CliResult> {
  return runNode(['--disable-warning=ExperimentalWarning', CLI, ...args], env, stdin);
}

/** Success: exit 0 and exactly one line on stdout, holding one JSON object. */
export function jsonLine(result: CliResult): Record<string, unknown> {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(result.stdout).toMatch(/^[^\n]+\n$/);
  const parsed: unknown = JSON.parse(result.stdout);
  expect(parsed).toEqual(expect.any(Object));
  expect(Array.isArray(parsed)).toBe(false);
  return parsed as Record<string, unknown>;
}

/** Failure: non-zero exit, nothing on stdout, one non-empty line on stderr. */
export function expectOneLineError(result: CliResult, mentions?: RegExp): void {
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull();
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^[^\n]*\S[^\n]*\n?$/);
  if (mentions) expect(result.stderr).toMatch(mentions);
}
