// Runs the admin CLI the way an operator does: `node dist/cli.js ...` in a child process (npm test
// builds dist/ first). Shared by the CLI contract tests and the browser flow.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
