import { describeMongo } from '../support/stores.js';
import { emailChangeSuite } from './email-change.suite.js';

describeMongo('changing the email address on /account, on MongoDB', () => emailChangeSuite('mongodb'));
