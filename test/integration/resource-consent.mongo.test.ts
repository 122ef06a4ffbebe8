import { describeMongo } from '../support/stores.js';
import { resourceConsentSuite } from './resource-consent.suite.js';

describeMongo('consent to resource server scopes on MongoDB', () => resourceConsentSuite('mongodb'));
