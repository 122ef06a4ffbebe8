import { describeMongo } from '../support/stores.js';
import { accountNoticesSuite } from './account-notices.suite.js';

describeMongo('account page security notices on MongoDB', () => {
  accountNoticesSuite('mongodb');
});
