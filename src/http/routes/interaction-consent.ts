import type { Context } from 'koa';
import { z } from 'zod';
import { AUDIT } from '../../audit/audit-log.js';
import { accessDigest, describeApis, selfRegistered, type RequestedAccess } from '../../consent/access-description.js';
import { requestOrigin } from '../request-info.js';
import { apiViews, claimViews, clientDisplayName, returnHost, scopeViews } from '../view-models/interaction-view.js';
import { wrongStep, type Interaction, type InteractionSteps } from './interaction-steps.js';

/** The consent form: the digest of what the page listed, so a grant can only be what was shown. */
export const ConsentForm = z.object({ shown: z.string() });

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** What the consent prompt says is missing: exactly what the page shows and the grant adds. */
function requestedAccess(details: Record<string, unknown>): RequestedAccess {
  const resources = details.missingResourceScopes;
  return {
    scopes: strings(details.missingOIDCScope),
    claims: strings(details.missingOIDCClaims),
    resources: Object.fromEntries(
      Object.entries(resources && typeof resources === 'object' ? resources : {}).map(([indicator, scopes]) => [
        indicator,
        strings(scopes),
      ]),
    ),
  };
}

/** The consent page: who asks, for what, and as whom. */
export async function renderConsent(steps: InteractionSteps, ctx: Context, interaction: Interaction): Promise<void> {
  const { host, accounts } = steps.deps;
  const { uid, prompt, params, session } = interaction;
  const client = await host.current.Client.find(String(params.client_id));
  const account = session?.accountId ? await accounts.findById(session.accountId) : undefined;
  const access = requestedAccess(prompt.details);
  const apis = await describeApis((id) => host.current.Client.find(id), access.resources);
  const lang = steps.language(ctx, interaction);
  const t = steps.translate(lang);
  steps.render(ctx, 'consent', {
    title: t('consent:title'),
    lang,
    uid,
    client,
    clientName: clientDisplayName(client, t),
    returnHost: returnHost(params.redirect_uri),
    selfRegistered: selfRegistered(client),
    scopes: scopeViews(access.scopes, t),
    claims: claimViews(access.claims, t),
    apis: apiViews(apis, t),
    shown: accessDigest(access),
    accountEmail: account?.email ?? t('consent:yourAccount'),
  });
}

/** The grant the confirmation adds to: the interaction's own, or a new one for this account and client. */
async function grantFor(steps: InteractionSteps, interaction: Interaction, accountId: string) {
  const { Grant } = steps.deps.host.current;
  const grant = interaction.grantId
    ? await Grant.find(interaction.grantId)
    : new Grant({ accountId, clientId: String(interaction.params.client_id) });
  if (!grant) throw wrongStep();
  return grant;
}

/** "Allow": the grant gets exactly what the page showed (its digest must match), then the flow goes on. */
export async function confirmConsent(
  steps: InteractionSteps,
  ctx: Context,
  interaction: Interaction,
  form: z.output<typeof ConsentForm>,
): Promise<void> {
  const { prompt, params, session } = interaction;
  if (prompt.name !== 'consent' || !session?.accountId) throw wrongStep();
  const grant = await grantFor(steps, interaction, session.accountId);
  const access = requestedAccess(prompt.details);
  // The page showed a digest of what it listed; a grant that would differ from it is not made.
  if (form.shown !== accessDigest(access)) throw wrongStep();
  if (access.scopes.length > 0) grant.addOIDCScope(access.scopes.join(' '));
  if (access.claims.length > 0) grant.addOIDCClaims(access.claims);
  for (const [indicator, scopes] of Object.entries(access.resources)) {
    if (scopes.length > 0) grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await steps.deps.audit.record(AUDIT.consentGranted, {
    ...requestOrigin(ctx),
    accountId: session.accountId,
    clientId: String(params.client_id),
    // Resource URIs are values here, never keys: audit details must be storable on every backend.
    details: {
      grant_id: grantId,
      scope: access.scopes.join(' ') || null,
      resources: Object.entries(access.resources).map(([resource, scopes]) => ({
        resource,
        scope: scopes.join(' '),
      })),
    },
  });
  await steps.finish(ctx, { consent: interaction.grantId ? {} : { grantId } }, true);
}
