import { describe } from '@jest/globals';
import { resourceServerSuite } from './resource-servers.suite.js';

describe('resource servers and machine clients on SQLite', () => resourceServerSuite('sqlite'));
