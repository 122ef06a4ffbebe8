import { describe } from '@jest/globals';
import { registrationPolicySuite } from './registration.suite.js';

describe('dynamic registration on SQLite', () => {
  registrationPolicySuite('sqlite', 'development');
  registrationPolicySuite('sqlite', 'production');
});
