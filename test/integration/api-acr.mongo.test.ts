import { describeMongo } from '../support/stores.js';
import { apiAcrSuite } from './api-acr.suite.js';

describeMongo("an API's second-factor scopes, on MongoDB", () => apiAcrSuite('mongodb'));
