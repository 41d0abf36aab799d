export { appRouter, createCaller, type AppRouter } from './root';
export { createContextInner, type AuthServices, type Context, type RequestFacts, type Services, type Session } from './context';
export { createServices, type ServicesConfig } from './services';
export { DEFAULT_RATE_LIMITS, type RateLimitConfig } from './rate-limits';
export { systemClock, type Clock } from './clock';
export { AppError, classifyError } from './errors';
export { authenticate } from './modules/auth/authenticate';
export { LocalDiskStorage, type ByteRange, type StoredFileInfo, type UploadStorage } from './modules/uploads/upload-storage';
export { storeImage, storedFileOf, type UploadServices } from './modules/uploads/uploads.service';
