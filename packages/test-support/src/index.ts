export { LogCapture } from './log-capture';
export { createScratchDatabase, type ScratchDatabase } from './scratch-database';
export { inheritedEnv, TEST_MYSQL_URL, TEST_REDIS_URL, TEST_SERVER_IMAGE } from './test-services';
export { freePort, waitUntil } from './processes';
export { requireMysql } from './require-services';
export { environmentValue } from './process-environment';
