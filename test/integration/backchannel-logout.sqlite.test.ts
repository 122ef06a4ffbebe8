import { describe } from '@jest/globals';
import { backchannelLogoutSuite } from './backchannel-logout.suite.js';

describe('back-channel logout on SQLite', () => {
  backchannelLogoutSuite('sqlite');
});
