import { describe } from '@jest/globals';
import { accountNoticesSuite } from './account-notices.suite.js';

describe('account page security notices on SQLite', () => {
  accountNoticesSuite('sqlite');
});
