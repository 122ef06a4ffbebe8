import { describeMongo } from '../support/stores.js';
import { registrationPolicySuite } from './registration.suite.js';

describeMongo('dynamic registration on MongoDB', () => {
  registrationPolicySuite('mongodb', 'development');
  registrationPolicySuite('mongodb', 'production');
});
