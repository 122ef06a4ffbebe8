import { describe } from '@jest/globals';
import { accountSessionSuite } from './account-session.suite.js';

describe('account page and demo sessions on SQLite', () => {
  accountSessionSuite('sqlite');
});
