import { describeMongo } from '../support/stores.js';
import { resourceServerSuite } from './resource-servers.suite.js';

describeMongo('resource servers and machine clients on MongoDB', () => resourceServerSuite('mongodb'));
