import { describe } from '@jest/globals';
import { accountProfileSuite } from './account-profile.suite.js';

describe('the profile on the account page, on SQLite', () => accountProfileSuite('sqlite'));
