import { describeMongo } from '../support/stores.js';
import { accountSelfServiceSuite } from './account-self-service.suite.js';

describeMongo('what users do on their account page, on MongoDB', () => accountSelfServiceSuite('mongodb'));
