import { describe } from '@jest/globals';
import { sqliteStoreFactory } from '../support/stores.js';
import { transferContract } from './transfer.contract.js';

describe('TransferStore SQLite → SQLite', () => transferContract(sqliteStoreFactory, sqliteStoreFactory));
