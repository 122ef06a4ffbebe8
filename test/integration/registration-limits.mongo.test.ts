import { describeMongo } from '../support/stores.js';
import { registrationLimitsSuite } from './registration-limits.suite.js';

describeMongo('registration limits on MongoDB', () => {
  registrationLimitsSuite('mongodb');
});
