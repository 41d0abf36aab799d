export function bindRequestSpan(): void {}
export function traceIdsMixin(): Record<string, string> {
  return {};
}
