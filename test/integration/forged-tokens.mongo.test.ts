import { describeMongo } from '../support/stores.js';
import { forgedTokensSuite } from './forged-tokens.suite.js';

describeMongo('forged tokens on MongoDB', () => {
  forgedTokensSuite('mongodb');
});
