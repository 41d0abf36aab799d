export interface TracingSdk {
  shutdown(): Promise<void>;
}
export function startTracingSdk(): Promise<TracingSdk> {
  return Promise.reject(new Error('this bench build has no tracing code (bench/no-tracing)'));
}
