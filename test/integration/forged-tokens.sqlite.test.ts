import { describe } from '@jest/globals';
import { forgedTokensSuite } from './forged-tokens.suite.js';

describe('forged tokens on SQLite', () => {
  forgedTokensSuite('sqlite');
});
