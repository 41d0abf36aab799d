export { startWeChatMock, assertMockAllowed, type RunningWeChatMock } from './server';
export { WeChatMockWorld, WECHAT_ERRORS, sessionSignatureOf, type Faults, type MockOptions, type Stats } from './world';
export { WeChatPayMock, DEV_PAY, NOTIFY_SCHEDULE_SECONDS, type PayMockOptions, type PayFaults, type NotificationDelivery } from './pay';
