/**
 * Request ids made on the phone (no crypto.randomUUID there): short, unique enough to find a
 * request in the server's logs, and within the server's accepted pattern [A-Za-z0-9._:-]{8,128}.
 */
let sequence = 0;

export function createRequestId(): string {
  sequence = (sequence + 1) % 1296;
  const random = Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `mp-${Date.now().toString(36)}-${random}${sequence.toString(36).padStart(2, '0')}`;
}
