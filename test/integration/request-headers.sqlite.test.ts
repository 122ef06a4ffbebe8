import { describe } from '@jest/globals';
import { requestHeadersSuite } from './request-headers.suite.js';

describe('request headers on SQLite', () => {
  requestHeadersSuite('sqlite');
});
