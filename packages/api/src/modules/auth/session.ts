/** Who is calling: known once the access token has been verified. */
export interface Session {
  userId: number;
  sessionId: string;
}
