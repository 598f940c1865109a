/**
 * Test environment: its own database and Redis key prefix, so a developer's running LeadChat and
 * its data are never touched. EXTENSIONS comes from the caller (`npm test` runs both passes).
 */
export const TEST_PLATFORM_TOKEN = 'test-platform-token-0123456789abcdef';

export function testEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/leadchat_test',
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: process.env.TEST_REDIS_PREFIX ?? 'leadchat-test',
    PLATFORM_API_TOKEN: TEST_PLATFORM_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SEED_DEMO: 'false',
    STORAGE_DIR: '.runtime/test-storage',
    EXTENSIONS: process.env.EXTENSIONS ?? 'leadchat',
    // Replies go out at once unless a test asks for the undo window.
    REPLY_UNDO_SECONDS: '0',
  };
}
