export { startWeChatMock, assertMockAllowed, type RunningWeChatMock } from './server';
export { WeChatMockWorld, WECHAT_ERRORS, sessionSignatureOf, type Faults, type MockOptions, type Stats } from './world';
