import { describe } from '@jest/globals';
import { sqliteStoreFactory } from '../support/stores.js';
import { outboxContract } from './outbox.contract.js';

describe('OutboxStore on SQLite', () => outboxContract(sqliteStoreFactory));
