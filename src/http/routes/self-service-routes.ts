import type Router from '@koa/router';
import type { Recovery } from '../../self-service/recovery.js';
import type { SignUp } from '../../self-service/sign-up.js';
import { interactionSteps, type InteractionDeps } from './interaction-steps.js';
import { recoveryRoutes } from './recovery-routes.js';
import { signupRoutes } from './signup-routes.js';

/** What people do for themselves inside a sign-in, each only where the configuration turns it on. */
export interface SelfServiceRoutes {
  signUp?: SignUp;
  recovery?: Recovery;
}

export function selfServiceRoutes(deps: InteractionDeps, service: SelfServiceRoutes): Router[] {
  const steps = interactionSteps(deps);
  return [
    ...(service.signUp ? [signupRoutes(steps, service.signUp)] : []),
    ...(service.recovery ? [recoveryRoutes(steps, service.recovery)] : []),
  ];
}
