import { describeMongo } from '../support/stores.js';
import { outboundSuite } from './outbound.suite.js';

describeMongo('outbound requests on MongoDB', () => {
  outboundSuite('mongodb');
});
