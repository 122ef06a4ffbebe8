const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are (your Signet account id)',
  email: 'See your email address',
  profile: 'See your name',
  offline_access: 'Stay connected while you are away (refresh tokens)',
};

export interface ScopeView {
  name: string;
  description: string;
}

export function scopeViews(scopes: Iterable<string>): ScopeView[] {
  return [...new Set(scopes)].map((name) => ({ name, description: SCOPE_TEXT[name] ?? 'Access to this permission' }));
}

export function clientDisplayName(client: { clientName?: string | undefined; clientId: string } | undefined): string {
  return client?.clientName || client?.clientId || 'the application';
}
