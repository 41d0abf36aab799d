/**
 * Button props for an action in progress. Only ever `true` or absent: Taro's H5 buttons render
 * `disabled="false"`, which their CSS styles as disabled, so a false value must not be passed.
 */
export function busyProps(busy: boolean, options: { spinner?: boolean } = {}): { disabled?: true; loading?: true } {
  if (!busy) return {};
  return options.spinner === false ? { disabled: true } : { disabled: true, loading: true };
}
