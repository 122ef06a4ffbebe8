import { describeMongo } from '../support/stores.js';
import { passkeysSuite } from './passkeys.suite.js';

describeMongo('passkeys, on MongoDB', () => passkeysSuite('mongodb'));
