import { describeMongo } from '../support/stores.js';
import { selfServiceSuite } from './self-service.suite.js';

describeMongo('sign-up and recovery on MongoDB', () => selfServiceSuite('mongodb'));
