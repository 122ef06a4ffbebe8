import { describeMongo } from '../support/stores.js';
import { accountProfileSuite } from './account-profile.suite.js';

describeMongo('the profile on the account page, on MongoDB', () => accountProfileSuite('mongodb'));
