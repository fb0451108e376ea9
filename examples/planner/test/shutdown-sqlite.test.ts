import { describeShutdownUnderLoad } from './shutdown-load.js';

describeShutdownUnderLoad('sqlite');
