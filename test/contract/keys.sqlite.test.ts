import { describe } from '@jest/globals';
import { sqliteStoreFactory } from '../support/stores.js';
import { keysContract } from './keys.contract.js';

describe('KeyStore on SQLite', () => keysContract(sqliteStoreFactory));
