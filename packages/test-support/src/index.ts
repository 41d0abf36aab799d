export { LogCapture } from './log-capture';
export { createScratchDatabase, type ScratchDatabase } from './scratch-database';
export { inheritedEnv, TEST_MYSQL_URL, TEST_REDIS_URL } from './test-services';
