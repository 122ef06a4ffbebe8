import { describe } from '@jest/globals';
import { clientCacheSuite } from './client-cache.suite.js';

describe('clients kept in memory by serving nodes, on SQLite', () => clientCacheSuite('sqlite'));
