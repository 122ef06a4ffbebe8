import { describe } from '@jest/globals';
import { languagesSuite } from './languages.suite.js';

describe('languages on SQLite', () => {
  languagesSuite('sqlite');
});
