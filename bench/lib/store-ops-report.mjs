// @ts-check
// The "store operations per request" section of BENCHMARKS.md: rendered with the whole report after a
// full run (report.mjs), or alone, in place, after `BENCH_ONLY=store-ops` (run.mjs).

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './proc.mjs';
import { isRead } from './store-ops.mjs';

export const STORE_OPS_HEADING = '## Store operations per request';

const STORE_NAMES = {
  sqlite: 'SQLite (embedded, node:sqlite)',
  mongodb: 'MongoDB wire protocol: FerretDB v1 on SQLite',
};

/** Per-request counts are averages over thousands of requests: two decimals show a 1-in-100 case. */
const count = (v) => (Number.isFinite(v) ? (Math.round(v * 100) / 100).toFixed(2) : '—');
const signed = (v) => (Number.isFinite(v) ? `${v > 0.005 ? '+' : ''}${count(v)}` : '—');
const ops = (r) => r?.storeOps;

/** What each endpoint is held to: at most this many operations per request more than the bare provider with stored clients. */
export const MAX_ADDED = 1;
const verdict = (added) =>
  !Number.isFinite(added) ? '—' : added <= MAX_ADDED + 0.005 ? 'met' : `**not met** (${signed(added - MAX_ADDED)})`;

/** Where Signet's operations differ from those of the bare provider whose clients are in the store. */
function added(signet, bare) {
  if (!bare) return '—';
  const kinds = [...new Set([...Object.keys(signet.perRequest), ...Object.keys(bare.perRequest)])];
  const more = kinds
    .map(
      (kind) => /** @type {[string, number]} */ ([kind, (signet.perRequest[kind] ?? 0) - (bare.perRequest[kind] ?? 0)]),
    )
    .filter(([, n]) => Math.abs(n) > 0.005)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, n]) => `\`${kind}\` ${signed(n)}`);
  return more.length > 0 ? more.join(', ') : 'none';
}

/** Logins are flows of several requests, and Signet's flow has more of them (its login page): per flow too. */
function perFlow(byServer) {
  const flow = (r) => (ops(r) && r.ok > 0 ? (r.storeOps.total * r.storeOps.requests) / r.ok : NaN);
  const login = byServer.signet?.login;
  if (!ops(login)) return [];
  return [
    `Per login flow: Signet ${count(flow(login))}, bare ${count(flow(byServer.baseline?.login))}, bare with clients in store ${count(flow(byServer.baselineStoredClients?.login))}.`,
    '',
  ];
}

function summaryRows(byServer) {
  const rows = [];
  for (const name of Object.keys(byServer.signet ?? {})) {
    const s = ops(byServer.signet[name]);
    const b = ops(byServer.baseline?.[name]);
    const c = ops(byServer.baselineStoredClients?.[name]);
    if (!s) continue;
    const cells = (o) => (o ? [count(o.reads), count(o.writes), count(o.total)] : ['—', '—', '—']);
    rows.push(
      `| ${name} | ${cells(s).join(' | ')} | ${cells(b).join(' | ')} | ${signed(s.total - (b?.total ?? NaN))} | ${count(c?.total)} | ${signed(s.total - (c?.total ?? NaN))} | ${verdict(s.total - (c?.total ?? NaN))} | ${added(s, c)} |`,
    );
  }
  return rows;
}

function kindTable(name, byServer) {
  const servers = ['signet', 'baseline', 'baselineStoredClients'].map((k) => ops(byServer[k]?.[name]));
  const kinds = [...new Set(servers.flatMap((o) => Object.keys(o?.perRequest ?? {})))].sort(
    (a, b) => Number(isRead(b)) - Number(isRead(a)) || a.localeCompare(b),
  );
  if (kinds.length === 0) return [];
  const lines = [
    `\`${name}\`:`,
    '',
    '| operation | kind | Signet | bare | bare, clients in store |',
    '|---|---|---:|---:|---:|',
  ];
  for (const kind of kinds) {
    const cells = servers.map((o) => (o ? count(o.perRequest[kind] ?? 0) : '—'));
    lines.push(`| \`${kind}\` | ${isRead(kind) ? 'read' : 'write'} | ${cells.join(' | ')} |`);
  }
  return [...lines, ''];
}

/** The section's lines, for every store of the run. */
export function storeOpsSection(results) {
  const lines = [
    STORE_OPS_HEADING,
    '',
    `> Counted by the servers themselves during the run of ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC (\`${results.command}\`).`,
    '> Counts, not timings: they do not depend on the length of the run or on the load of the machine.',
    '',
    'On a networked store every operation is a round trip, so their number per request bounds the rate more than any CPU',
    "figure. Signet's are read from its `/metrics` (`signet_store_operation_duration_seconds_count`, by operation) and",
    "`signet_http_requests_total`; the bare provider's from a counter around its adapter's store calls. Each figure is the",
    'operations of the measured window divided by the requests served in it (a login flow is several requests). Reads:',
    '`find*`, `get`, `list`; writes: everything else. Work no request asks for (key re-reads, the client change counter,',
    'the mail outbox, sweeps) is left out. "bare" holds its clients in its configuration; "bare, clients in store" reads them from the store on every',
    "request, as Signet must: the fair comparison for Signet's own clients.",
    '',
    'What Signet adds, and why each stays: `throttle.get` is the client-authentication throttle, read before any secret',
    'is checked (one read for both its keys); `accounts.findById` is the account read on every token, userinfo and',
    'introspection call, so that a disabled account stops at once; `audit.append` is the audit event, durable before the',
    'client learns the outcome it records. Concurrent requests share the last two: the throttle reads of one turn of',
    "the event loop go in one store call, and so do the audit events (a request's event waits for that call before its",
    'answer leaves). A figure under 1 for them is that sharing under the load of the run; a lone request makes one of each.',
    '',
    'Client registrations are kept in memory by each node (src/oidc/client-cache.ts): the client of every request, and',
    "in `client_credentials` the RFC 8707 resource server Signet's request names (the bare providers' name none). A node",
    're-reads one counter every second (`CLIENT_REFRESH_INTERVAL`; background work, left out above), which every client',
    'write moves, and drops what it keeps when it has moved; tokens, grants, sessions and accounts are always read. So',
    "Signet's `oidc.find` are tokens, codes and grants only, one fewer per request than the bare provider with clients in",
    "store. Signet's adapter also reads a presented value once per request when oidc-provider tries it as several token",
    'models at once (introspection without `token_type_hint`); the bare providers keep a plain adapter, one read per lookup.',
    '',
    `Held to: no endpoint makes more than ${MAX_ADDED} operation per request more than the bare provider with clients in`,
    'store. Where Signet still makes more, what is left are the checks above: the account read (one per request) and the',
    'shares of the throttle read and the audit write. Going lower would mean serving a request without reading the',
    'account it acts for or the throttle state of its caller, which must reflect the last moment, not the last second,',
    'or answering before its audit event is stored.',
    '',
  ];
  for (const [store, byServer] of Object.entries(results.stores ?? {})) {
    const summary = summaryRows(byServer);
    if (summary.length === 0) continue;
    lines.push(
      `### ${STORE_NAMES[store] ?? store}`,
      '',
      `| scenario | Signet reads | writes | total | bare reads | writes | total | Signet − bare | bare, clients in store: total | Signet − it | at most +${MAX_ADDED} | by operation |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
      ...summary,
      '',
      ...perFlow(byServer),
      'By operation, per request:',
      '',
    );
    for (const name of Object.keys(byServer.signet ?? {})) lines.push(...kindTable(name, byServer));
  }
  return lines;
}

/** Rewrites only this section of BENCHMARKS.md (appended when it has none yet), leaving every other figure. */
export async function writeStoreOpsSection(results, path = join(ROOT, 'BENCHMARKS.md')) {
  const text = await readFile(path, 'utf8');
  const section = `${storeOpsSection(results).join('\n')}\n`;
  const at = text.indexOf(STORE_OPS_HEADING);
  if (at < 0) {
    // Before the login ceiling: next to the results it explains.
    const before = text.indexOf('\n## Login ceiling');
    return writeFile(
      path,
      before < 0
        ? `${text.trimEnd()}\n\n${section}`
        : `${text.slice(0, before + 1)}${section}\n${text.slice(before + 1)}`,
    );
  }
  const next = text.indexOf('\n## ', at + STORE_OPS_HEADING.length);
  return writeFile(path, `${text.slice(0, at)}${section}${next < 0 ? '' : `\n${text.slice(next + 1)}`}`);
}
