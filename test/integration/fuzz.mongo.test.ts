import { describeMongo } from '../support/stores.js';
import { fuzzSuite } from './fuzz.suite.js';

describeMongo('HTTP fuzzing on MongoDB', () => {
  fuzzSuite('mongodb');
});
