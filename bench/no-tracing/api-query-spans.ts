export function databaseAttributes(): Record<string, never> {
  return {};
}
export function querySpans(): () => void {
  return () => {};
}
