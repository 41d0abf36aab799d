export { WeChatClient, type WeChatClientOptions, type Code2SessionResult, type PhoneInfo } from './client';
export { decryptOpenData, verifyRawDataSignature, rawDataSignature, sessionSignature, OpenDataError } from './open-data';
