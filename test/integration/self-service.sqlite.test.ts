import { describe } from '@jest/globals';
import { selfServiceSuite } from './self-service.suite.js';

describe('sign-up and recovery on SQLite', () => selfServiceSuite('sqlite'));
