import { describe } from '@jest/globals';
import { fuzzSuite } from './fuzz.suite.js';

describe('HTTP fuzzing on SQLite', () => {
  fuzzSuite('sqlite');
});
