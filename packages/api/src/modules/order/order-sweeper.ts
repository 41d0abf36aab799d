/**
 * Closes unpaid orders once their time is up, and gives their stock back: a sweeper over the
 * database rather than a job per order in a queue.
 *
 * Why this way: the database already holds every order's deadline, so nothing is lost by a
 * restart and nothing needs scheduling when an order is made; it works the same on the embedded
 * SQLite (one process) and on MySQL with any number of instances, with no Redis required. On
 * MySQL each sweep claims a batch with `FOR UPDATE SKIP LOCKED`: instances sweeping at the same
 * moment take disjoint batches instead of queueing behind each other, and the guarded update
 * (from PENDING_PAYMENT only) makes a close happen once whoever runs it (a sweep, a cancel, a
 * payment). The cost is one indexed query per interval per instance (orders_status_expires_at_idx),
 * and an order closes up to one interval late; a payment must therefore check the deadline itself.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import { dialectOf, retryOnDeadlock } from '../../db/dialect';
import { Periodic, periodicLog } from '../../periodic';
import type { Database } from '../../db/schema';
import { noopTelemetry, type Telemetry } from '../../telemetry';
import type { PayServices } from '../../wechat/pay';
import { closeTradesAtWeChatPay } from '../pay/pay.service';
import { closeOrder } from './order.service';

export interface OrderSweeperOptions {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  /** Orders closed per transaction. */
  batchSize?: number;
  /** WeChat Pay: the closed orders' trades are closed there too (after each batch commits). */
  pay?: PayServices | null;
  /** Told of each order closed, after its batch committed (default: nothing). */
  telemetry?: Telemetry;
}

export class OrderSweeper {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #batchSize: number;
  readonly #skipLocked: boolean;
  readonly #pay: PayServices | null;
  readonly #telemetry: Telemetry;
  readonly #periodic: Periodic;

  constructor(options: OrderSweeperOptions) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#periodic = new Periodic((signal) => this.sweep(signal), periodicLog(options.logger, 'order sweep'));
    this.#batchSize = options.batchSize ?? 100;
    this.#skipLocked = dialectOf(options.db) === 'mysql';
    this.#pay = options.pay ?? null;
    this.#telemetry = options.telemetry ?? noopTelemetry;
  }

  /**
   * One sweep: every order due now, batch by batch, until `signal` aborts (a shutdown: the batch
   * under way finishes). Resolves to how many this call closed.
   */
  async sweep(signal?: AbortSignal): Promise<number> {
    let closed = 0;
    while (!signal?.aborted) {
      const batch = await retryOnDeadlock(() => this.#closeBatch());
      closed += batch.closed.length;
      if (batch.closed.length > 0) this.#telemetry.orderTransition('CLOSED', 'TIMEOUT', batch.closed.length);
      // After the commit, best effort (closeTradesAtWeChatPay says why that is enough).
      await closeTradesAtWeChatPay({ db: this.#db, logger: this.#logger, pay: this.#pay }, batch.closed);
      if (batch.found < this.#batchSize) break;
    }
    if (closed > 0) this.#logger.info({ closed }, 'closed unpaid orders past their payment time');
    return closed;
  }

  /**
   * One transaction: claim a batch of due orders and close them. On MySQL at READ COMMITTED:
   * under REPEATABLE READ the claim would also lock the gaps of the index it scans, and two
   * instances, each then moving its orders to CLOSED in that same index, would deadlock. A
   * deadlock or lock timeout that still happens rolls the batch back whole: sweep() runs it again.
   */
  #closeBatch(): Promise<{ found: number; closed: number[] }> {
    const transaction = this.#skipLocked ? this.#db.transaction().setIsolationLevel('read committed') : this.#db.transaction();
    return transaction.execute(async (trx) => {
      const now = this.#clock.now();
      let due = trx
        .selectFrom('orders')
        .select('id')
        .where('status', '=', 'PENDING_PAYMENT')
        .where('expires_at', '<=', now)
        .orderBy('expires_at', 'asc')
        .limit(this.#batchSize);
      if (this.#skipLocked) due = due.forUpdate().skipLocked();
      const rows = await due.execute();
      const closed: number[] = [];
      for (const { id } of rows) if (await closeOrder(trx, id, 'TIMEOUT', now)) closed.push(id);
      return { found: rows.length, closed };
    });
  }

  /** Sweeps every `intervalMs` until stop(); a failed sweep (database down) is logged and retried next time. */
  start(intervalMs: number): void {
    this.#periodic.start(intervalMs);
  }

  /** Stops sweeping and waits for a sweep in progress to finish. */
  stop(): Promise<void> {
    return this.#periodic.stop();
  }
}
