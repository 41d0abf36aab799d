/** What the server and the mini-program's transport must agree on, besides the schemas. */

/** Carries a request's id both ways; the client makes one per HTTP request, the server echoes it. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Most calls in one tRPC batch: the server refuses more, the client never sends more. */
export const MAX_BATCH_SIZE = 10;
