import { describeMongo } from '../support/stores.js';
import { languagesSuite } from './languages.suite.js';

describeMongo('languages on MongoDB', () => {
  languagesSuite('mongodb');
});
