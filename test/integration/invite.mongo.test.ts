import { describeMongo } from '../support/stores.js';
import { inviteSuite } from './invite.suite.js';

describeMongo('sign-up by invitation on MongoDB', () => inviteSuite('mongodb'));
