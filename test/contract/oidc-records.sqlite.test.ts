import { describe } from '@jest/globals';
import { sqliteStoreFactory } from '../support/stores.js';
import { oidcRecordsContract } from './oidc-records.contract.js';

describe('OidcRecordStore on SQLite', () => oidcRecordsContract(sqliteStoreFactory));
