// @ts-check
// What the numbers were measured on: they mean little without it.

import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { ROOT } from './proc.mjs';

async function read(path) {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

async function packageVersion(name) {
  try {
    return JSON.parse(await read(join(ROOT, 'node_modules', name, 'package.json'))).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function machineFacts() {
  const cpuinfo = await read('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const flags = /^flags\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? '';
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
  const pkg = JSON.parse(await read(join(ROOT, 'package.json')));
  return {
    cpuModel: model,
    cpuMHz: mhz ? Number(mhz) : undefined,
    hypervisor: flags.split(' ').includes('hypervisor'),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    signet: pkg.version,
    oidcProvider: await packageVersion('oidc-provider'),
    autocannon: await packageVersion('autocannon'),
    argon2: await packageVersion('argon2'),
    loadAverageAtStart: os.loadavg(),
  };
}
