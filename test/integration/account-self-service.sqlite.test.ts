import { describe } from '@jest/globals';
import { accountSelfServiceSuite } from './account-self-service.suite.js';

describe('what users do on their account page, on SQLite', () => accountSelfServiceSuite('sqlite'));
