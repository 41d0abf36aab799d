export { disallowEval } from './zod';
export * from './errors';
export * from './env';
export * from './protocol';
export * from './schemas/auth';
export * from './schemas/health';
export * from './schemas/user';
export * from './schemas/upload';
export * from './schemas/shop';
