import { describe } from '@jest/globals';
import { conformanceSuite } from './conformance.suite.js';

describe('conformance behaviours on SQLite', () => conformanceSuite('sqlite'));
