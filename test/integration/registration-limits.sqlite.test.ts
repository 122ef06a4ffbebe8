import { describe } from '@jest/globals';
import { registrationLimitsSuite } from './registration-limits.suite.js';

describe('registration limits on SQLite', () => {
  registrationLimitsSuite('sqlite');
});
