import { describeMongo } from '../support/stores.js';
import { abuseSuite, enumerationSuite, proxySuite } from './abuse.suite.js';

describeMongo('abuse resistance on MongoDB', () => {
  abuseSuite('mongodb');
  enumerationSuite('mongodb');
  proxySuite('mongodb');
});
