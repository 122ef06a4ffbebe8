import { describe } from '@jest/globals';
import { mailDeliverySuite } from './mail-delivery.suite.js';

describe('mail delivery on SQLite', () => mailDeliverySuite('sqlite'));
