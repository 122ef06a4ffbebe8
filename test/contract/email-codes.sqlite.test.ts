import { describe } from '@jest/globals';
import { sqliteStoreFactory } from '../support/stores.js';
import { emailCodesContract } from './email-codes.contract.js';

describe('EmailCodes on SQLite', () => emailCodesContract(sqliteStoreFactory));
