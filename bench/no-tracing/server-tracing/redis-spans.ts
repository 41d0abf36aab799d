export function traceRedisCommands(): () => void {
  return () => {};
}
