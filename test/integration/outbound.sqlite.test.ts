import { describe } from '@jest/globals';
import { outboundSuite } from './outbound.suite.js';

describe('outbound requests on SQLite', () => {
  outboundSuite('sqlite');
});
