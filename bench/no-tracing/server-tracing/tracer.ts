export const tracer = undefined;
