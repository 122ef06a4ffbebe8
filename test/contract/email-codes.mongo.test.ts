import { describeMongo, mongoStoreFactory } from '../support/stores.js';
import { emailCodesContract } from './email-codes.contract.js';

describeMongo('EmailCodes on MongoDB', () => emailCodesContract(mongoStoreFactory));
