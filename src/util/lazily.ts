/**
 * A part built at its first use, once; `built` tells whether anyone asked for it. Also how a large
 * library that only some requests need (passkeys, mail, QR codes) is loaded: at its first use rather
 * than at start, so a process that never serves those requests never holds it in memory.
 */
export function lazily<T>(build: () => Promise<T>): { get: () => Promise<T>; built: () => Promise<T> | undefined } {
  let made: Promise<T> | undefined;
  return { get: () => (made ??= build()), built: () => made };
}
