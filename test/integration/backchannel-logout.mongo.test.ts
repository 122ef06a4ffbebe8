import { describeMongo } from '../support/stores.js';
import { backchannelLogoutSuite } from './backchannel-logout.suite.js';

describeMongo('back-channel logout on MongoDB', () => {
  backchannelLogoutSuite('mongodb');
});
