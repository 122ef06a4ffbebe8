import { describe } from '@jest/globals';
import { inviteSuite } from './invite.suite.js';

describe('sign-up by invitation on SQLite', () => inviteSuite('sqlite'));
