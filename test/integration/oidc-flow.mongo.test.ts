import { describeMongo } from '../support/stores.js';
import { oidcFlowSuite, registrationSuite, restartSuite } from './oidc-flow.suite.js';

describeMongo('OIDC flow on MongoDB', () => {
  oidcFlowSuite('mongodb');
  restartSuite('mongodb');
  registrationSuite('mongodb');
});
