/** Reading a page's URL parameters (`?id=12`): every page opened by a link must survive a bad one. */

/** A positive whole number such as an id, or null for anything else (missing, `abc`, `1.5`, `-3`). */
export function idParam(value: string | undefined): number | null {
  if (value === undefined || !/^[1-9]\d{0,15}$/.test(value)) return null;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : null;
}
