import { describe } from '@jest/globals';
import { consentSuite } from './consent.suite.js';

describe('consent on SQLite', () => {
  consentSuite('sqlite');
});
