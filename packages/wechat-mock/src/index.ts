export { startWeChatMock, assertMockAllowed, type RunningWeChatMock } from './server';
export { WeChatMockWorld, WECHAT_ERRORS, sessionSignatureOf, type Faults, type MockOptions, type Stats } from './world';
export { createWeChatMockHandler } from './http';
export { DEV_APP } from './config';
