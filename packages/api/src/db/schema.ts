/**
 * Kysely's view of the database. Column names are snake_case as in SQL; repositories map rows to
 * the camelCase shapes of packages/shared. Every `*_at` column is a `Date` on both dialects
 * (see dialect.ts for how SQLite gets there).
 */
import type { OrderStatus } from '@app/shared';
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  openid: string;
  unionid: string | null;
  nickname: string | null;
  avatar_url: string | null;
  phone: string | null;
  created_at: Date;
  updated_at: Date;
}
export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserRowUpdate = Updateable<UsersTable>;

export interface AuthSessionsTable {
  id: string;
  user_id: number;
  session_key_ciphertext: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
  /**
   * SHA-256 of the session's current refresh token, and when it was issued. Null for a session a
   * version before migration 0007 wrote: its current token is a row of refresh_tokens.
   */
  refresh_token_hash: string | null;
  refresh_token_created_at: Date | null;
}
export type AuthSessionRow = Selectable<AuthSessionsTable>;

/** Refresh tokens rotated away (presenting one again is reuse), and those issued before migration 0007. */
export interface RefreshTokensTable {
  id: Generated<number>;
  session_id: string;
  token_hash: string;
  created_at: Date;
  expires_at: Date;
  rotated_at: Date | null;
}
export type RefreshTokenRow = Selectable<RefreshTokensTable>;

export interface ProductsTable {
  id: Generated<number>;
  title: string;
  description: string;
  price_fen: number;
  stock: number;
  image_url: string | null;
  /** 1 on the shelf, 0 off (an integer: SQLite has no boolean). */
  on_shelf: number;
  created_at: Date;
  updated_at: Date;
}
export type ProductRow = Selectable<ProductsTable>;

export interface OrdersTable {
  id: Generated<number>;
  user_id: number;
  status: OrderStatus;
  total_fen: number;
  idempotency_key: string;
  /** SHA-256 of the order's request (its items), to tell a retry from a reused key. */
  request_hash: string;
  created_at: Date;
  expires_at: Date;
  paid_at: Date | null;
  refunded_at: Date | null;
  closed_at: Date | null;
  close_reason: 'CANCELLED' | 'TIMEOUT' | null;
  updated_at: Date;
}
export type OrderRow = Selectable<OrdersTable>;

export interface OrderItemsTable {
  id: Generated<number>;
  order_id: number;
  product_id: number;
  title: string;
  unit_price_fen: number;
  quantity: number;
}
export type OrderItemRow = Selectable<OrderItemsTable>;

/** Every state change of an order, with its time: the order's history. */
export interface OrderEventsTable {
  id: Generated<number>;
  order_id: number;
  from_status: OrdersTable['status'] | null;
  to_status: OrdersTable['status'];
  reason: string | null;
  created_at: Date;
}

/** A WeChat Pay payment of an order (one per order). */
export interface PaymentsTable {
  id: Generated<number>;
  order_id: number;
  out_trade_no: string;
  mch_id: string;
  amount_fen: number;
  /** REFUND_NEEDED: paid after the order closed (refunded automatically); REFUNDED: money back. */
  status: 'PREPARED' | 'SUCCESS' | 'REFUND_NEEDED' | 'REFUNDED';
  prepay_id: string | null;
  prepay_expires_at: Date | null;
  transaction_id: string | null;
  paid_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
export type PaymentRow = Selectable<PaymentsTable>;

/** A WeChat Pay refund of an order (one per order, of its whole amount). */
export interface RefundsTable {
  id: Generated<number>;
  order_id: number;
  out_refund_no: string;
  out_trade_no: string;
  amount_fen: number;
  reason: string | null;
  /** REQUESTED: written here, not yet accepted by WeChat Pay; then WeChat Pay's own states. */
  status: 'REQUESTED' | 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';
  refund_id: string | null;
  succeeded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
export type RefundRow = Selectable<RefundsTable>;

/** A durable job (jobs/job-queue.ts). */
export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** JSON. */
  payload: string;
  status: 'PENDING' | 'DONE' | 'FAILED';
  attempts: number;
  run_at: Date;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}
export type JobRow = Selectable<JobsTable>;

export interface Database {
  users: UsersTable;
  auth_sessions: AuthSessionsTable;
  refresh_tokens: RefreshTokensTable;
  products: ProductsTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
  order_events: OrderEventsTable;
  jobs: JobsTable;
  payments: PaymentsTable;
  refunds: RefundsTable;
}
