import { describe } from '@jest/globals';
import { emailChangeSuite } from './email-change.suite.js';

describe('changing the email address on /account, on SQLite', () => emailChangeSuite('sqlite'));
