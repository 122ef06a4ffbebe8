import { describeMongo, mongoStoreFactory } from '../support/stores.js';
import { oidcRecordsContract } from './oidc-records.contract.js';

describeMongo('OidcRecordStore on MongoDB', () => oidcRecordsContract(mongoStoreFactory));
