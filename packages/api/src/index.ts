export { appRouter, createCaller, type AppRouter } from './root';
export { createContextInner, type Context, type RequestFacts, type Services, type Session } from './context';
export { systemClock, type Clock } from './clock';
export { AppError, classifyError } from './errors';
