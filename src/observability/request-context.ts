import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestScope {
  requestId: string;
}

/**
 * The request a piece of work belongs to, without threading it through every call: oidc-provider's
 * event listeners, store calls and log lines all run inside the request's async context. One instance
 * per app (built by the composition root), so two apps in one process stay apart.
 */
export class RequestContext {
  private readonly storage = new AsyncLocalStorage<RequestScope>();

  run<T>(scope: RequestScope, work: () => T): T {
    return this.storage.run(scope, work);
  }

  get requestId(): string | undefined {
    return this.storage.getStore()?.requestId;
  }
}
