import { describeMongo, mongoStoreFactory } from '../support/stores.js';
import { outboxContract } from './outbox.contract.js';

describeMongo('OutboxStore on MongoDB', () => outboxContract(mongoStoreFactory));
