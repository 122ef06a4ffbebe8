// @ts-check
// The login ceiling: how many argon2id verifications per second this machine does at Signet's own
// parameters (PasswordHasher's defaults, the ones the server uses). Every successful login costs one,
// so no login rate can exceed this. Runs alone in its own process, with the same libuv thread pool
// the server gets (argon2 verifies on it), and prints one JSON line.
//
// SLOTS is how many verifications run at once: by default what one Signet process allows itself
// (one per core).
//
// Usage: node bench/argon2-ceiling.mjs SECONDS CONCURRENCY [SLOTS]

import argon2 from 'argon2';
import { hashingSlots, OWASP_MINIMUM, PasswordHasher } from '../dist/accounts/password.js';

const durationS = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 8);
const slots = Number(process.argv[4] ?? hashingSlots());
const hasher = new PasswordHasher({}, slots);
const password = 'correct horse battery staple';
const hash = await hasher.hash(password);
const params = argon2.needsRehash(hash, OWASP_MINIMUM) ? 'stronger than OWASP_MINIMUM' : OWASP_MINIMUM;

// A short warm-up so the thread pool and allocator are in their steady state.
await Promise.all(Array.from({ length: concurrency }, () => hasher.verify(hash, password)));

const latencies = [];
let verified = 0;
// CPU per verification does not depend on what else the machine runs, unlike the rate.
const cpuStart = process.cpuUsage();
const start = performance.now();
const deadline = start + durationS * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const { ok } = await hasher.verify(hash, password);
      if (!ok) throw new Error('argon2 verify failed on the right password');
      latencies.push(performance.now() - t0);
      verified++;
    }
  }),
);
const elapsed = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuStart);
latencies.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    verifiesPerSecond: verified / elapsed,
    verified,
    durationS: elapsed,
    cpuMsPerVerify: (cpu.user + cpu.system) / 1000 / verified,
    concurrency,
    slots,
    threadPool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    params,
    hashPrefix: hash.split('$').slice(0, 4).join('$'),
    latencyMs: {
      p50: latencies[Math.floor(latencies.length / 2)],
      p99: latencies[Math.floor(latencies.length * 0.99)],
    },
  })}\n`,
);
