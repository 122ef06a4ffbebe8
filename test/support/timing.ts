// Enumeration tests ask whether kinds of request that must look alike (a known identifier and an
// unknown one, a wrong password and a disabled account) take the same time, as an attacker timing them
// would see it.

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * The typical gap between two kinds of request timed in pairs, one of each back to back: the median of
 * the pairs' differences. Whatever else loads the machine meanwhile (other test files, a collection,
 * a mail being relayed) falls on both halves of a pair alike and cancels; a path that does more work
 * than the other (a hash, a store write) shows in every pair and moves the median.
 */
export function pairedGap(first: readonly number[], second: readonly number[]): number {
  if (first.length !== second.length || first.length === 0) throw new Error('timings must come in pairs');
  return median(first.map((t, i) => t - (second[i] ?? 0)));
}

/** How far apart two kinds may be: 35% of the faster one, and never under 10 ms of loopback noise. */
export function timingTolerance(first: readonly number[], second: readonly number[]): number {
  return Math.max(0.35 * Math.min(median(first), median(second)), 10);
}
