export function installRequestSpans(): void {
  throw new Error('this bench build has no tracing code (bench/no-tracing)');
}
