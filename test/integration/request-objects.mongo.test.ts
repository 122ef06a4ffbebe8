import { describeMongo } from '../support/stores.js';
import { requestObjectsSuite } from './request-objects.suite.js';

describeMongo('request objects on MongoDB', () => requestObjectsSuite('mongodb'));
