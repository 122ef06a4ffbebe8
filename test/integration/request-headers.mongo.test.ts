import { describeMongo } from '../support/stores.js';
import { requestHeadersSuite } from './request-headers.suite.js';

describeMongo('request headers on MongoDB', () => {
  requestHeadersSuite('mongodb');
});
