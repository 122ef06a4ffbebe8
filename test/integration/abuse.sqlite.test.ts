import { describe } from '@jest/globals';
import { abuseSuite, enumerationSuite } from './abuse.suite.js';

describe('abuse resistance on SQLite', () => {
  abuseSuite('sqlite');
  enumerationSuite('sqlite');
});
