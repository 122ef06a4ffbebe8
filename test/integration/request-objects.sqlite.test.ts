import { describe } from '@jest/globals';
import { requestObjectsSuite } from './request-objects.suite.js';

describe('request objects on SQLite', () => requestObjectsSuite('sqlite'));
