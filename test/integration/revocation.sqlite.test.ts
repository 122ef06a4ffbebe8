import { describe } from '@jest/globals';
import { expirySuite, revocationSuite } from './revocation.suite.js';

describe('revocation and theft detection on SQLite', () => {
  revocationSuite('sqlite');
  expirySuite('sqlite');
});
