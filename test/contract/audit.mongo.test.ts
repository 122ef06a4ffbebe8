import { describeMongo, mongoStoreFactory } from '../support/stores.js';
import { auditContract } from './audit.contract.js';

describeMongo('AuditStore on MongoDB', () => auditContract(mongoStoreFactory));
