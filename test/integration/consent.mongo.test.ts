import { describeMongo } from '../support/stores.js';
import { consentSuite } from './consent.suite.js';

describeMongo('consent on MongoDB', () => {
  consentSuite('mongodb');
});
