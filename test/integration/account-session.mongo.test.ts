import { describeMongo } from '../support/stores.js';
import { accountSessionSuite } from './account-session.suite.js';

describeMongo('account page and demo sessions on MongoDB', () => {
  accountSessionSuite('mongodb');
});
