import { describeMongo } from '../support/stores.js';
import { clientCacheSuite } from './client-cache.suite.js';

describeMongo('clients kept in memory by serving nodes, on MongoDB', () => clientCacheSuite('mongodb'));
