import { describe } from '@jest/globals';
import { oidcFlowSuite, registrationSuite, restartSuite } from './oidc-flow.suite.js';

describe('OIDC flow on SQLite', () => {
  oidcFlowSuite('sqlite');
  restartSuite('sqlite');
  registrationSuite('sqlite');
});
