import { describe } from '@jest/globals';
import { sqliteStoreFactory } from '../support/stores.js';
import { throttleContract } from './throttle.contract.js';

describe('ThrottleStore on SQLite', () => throttleContract(sqliteStoreFactory));
