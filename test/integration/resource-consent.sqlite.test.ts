import { describe } from '@jest/globals';
import { resourceConsentSuite } from './resource-consent.suite.js';

describe('consent to resource server scopes on SQLite', () => resourceConsentSuite('sqlite'));
