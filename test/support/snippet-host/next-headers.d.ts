// The part of `next/headers` the Next.js snippet uses, as Next 15+ declares it (ReadonlyRequestCookies
// that route handlers may also set and delete), so the snippet is type-checked as a Next app would be.

export interface RequestCookie {
  name: string;
  value: string;
}

export interface ResponseCookie {
  path?: string;
  maxAge?: number;
  expires?: Date | number;
  domain?: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'lax' | 'strict' | 'none' | boolean;
  priority?: 'low' | 'medium' | 'high';
  partitioned?: boolean;
}

export interface RequestCookiesInRouteHandler {
  get(name: string): RequestCookie | undefined;
  has(name: string): boolean;
  set(name: string, value: string, cookie?: Partial<ResponseCookie>): this;
  delete(name: string): this;
}

export declare function cookies(): Promise<RequestCookiesInRouteHandler>;
