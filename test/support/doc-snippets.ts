// Code blocks of a Markdown document, each named by the marker on the line above its fence
// (`<!-- snippet: NAME -->`), so a test can run every one of them and notice a block nobody checks.
// Shell blocks run in bash the way an operator pastes them, with the CLI as `npm run cli` runs it once built.

import { spawn } from 'node:child_process';
import { CLI } from './run-cli.js';

export interface DocBlock {
  /** The marker's name, or null for a block without one. */
  name: string | null;
  lang: string;
  code: string;
  line: number;
}

export function docBlocks(markdown: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'));
    if (end < 0) throw new Error(`unclosed code block at line ${i + 1}`);
    const marker = /^<!-- snippet: ([\w-]+) -->$/.exec(lines[i - 1] ?? '');
    blocks.push({
      name: marker?.[1] ?? null,
      lang: open[1] ?? '',
      code: lines.slice(i + 1, end).join('\n'),
      line: i + 1,
    });
    i = end;
  }
  return blocks;
}

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a shell block with bash -e against a live Signet: `npm run --silent cli --` is what that command
 * runs once built (`node dist/cli.js`, on the server's DATA_DIR), and `https://id.example.com` is `issuer`.
 */
export function runShellBlock(code: string, issuer: string, dataDir: string): Promise<ShellResult> {
  const script = code.replaceAll('npm run --silent cli --', 'signet_cli').replaceAll('https://id.example.com', issuer);
  const prelude = `signet_cli() { "$SIGNET_NODE" --disable-warning=ExperimentalWarning "$SIGNET_CLI" "$@"; }\n`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', prelude + script], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, SIGNET_NODE: process.execPath, SIGNET_CLI: CLI },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
