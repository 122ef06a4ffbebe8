// @ts-check
// Ids of the records the lookup-scaling run seeds. Deterministic, so the load generator can compute
// token i itself instead of being handed a million of them.

import { createHash } from 'node:crypto';

export function seededToken(i) {
  return createHash('sha256').update(`signet-bench-token-${i}`).digest('base64url');
}

export function seededGrantId(i) {
  return createHash('sha256').update(`signet-bench-grant-${i}`).digest('base64url');
}
