export * from './crypto';
export * from './errors';
export * from './client';
export * from './verifier';
export * from './nonce-store';
export * from './notification';
export * from './pay-services';
