// afterAll runs even when beforeAll failed before its resource existed; the resource is then undefined,
// whatever its declared type, and the failure to report is beforeAll's, not a TypeError here.

/** Stops `resource` with `stop` if it was ever created. */
export async function stopIfStarted<T>(resource: T | undefined, stop: (started: T) => unknown): Promise<void> {
  if (resource !== undefined) await stop(resource);
}
