import { describeMongo } from '../support/stores.js';
import { expirySuite, revocationSuite } from './revocation.suite.js';

describeMongo('revocation and theft detection on MongoDB', () => {
  revocationSuite('mongodb');
  expirySuite('mongodb');
});
