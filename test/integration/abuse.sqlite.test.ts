import { describe } from '@jest/globals';
import { abuseSuite, enumerationSuite, proxySuite } from './abuse.suite.js';

describe('abuse resistance on SQLite', () => {
  abuseSuite('sqlite');
  enumerationSuite('sqlite');
  proxySuite('sqlite');
});
