import { describe } from '@jest/globals';
import { passkeysSuite } from './passkeys.suite.js';

describe('passkeys, on SQLite', () => passkeysSuite('sqlite'));
