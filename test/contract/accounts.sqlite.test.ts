import { describe } from '@jest/globals';
import { sqliteStoreFactory } from '../support/stores.js';
import { accountsContract } from './accounts.contract.js';

describe('AccountStore on SQLite', () => accountsContract(sqliteStoreFactory));
