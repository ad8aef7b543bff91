import type { Sql } from 'postgres';
import { unlessConnectionLost } from './lost-connection.js';

/** The schema the store's tables live in unless told otherwise, so that it shares a database safely. */
export const SCHEMA = 'exwallet';

/** Throws unless `schema` is a plain lower-case SQL identifier (it is written into SQL). */
export function checkSchemaName(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new TypeError(`schema must be a lower-case SQL identifier, got ${JSON.stringify(schema)}`);
}

/**
 * The schema's versions, applied in order and recorded in `schema_migrations`. Append
 * a new version; never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE wallets (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    currency   text NOT NULL,
    balance    bigint NOT NULL CHECK (balance >= 0),
    opening_balance bigint NOT NULL,  -- for reconciliation: balance = opening + the sum of amounts
    disabled   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  -- One row per transaction id the wallet has seen: the registry. The primary key keeps an id
  -- unique across every user, operation and process.
  CREATE TABLE transactions (
    transaction_uuid  uuid PRIMARY KEY,
    wallet_id         bigint NOT NULL,
    kind              smallint NOT NULL,  -- 1 bet, 2 win, 3 rollback, 4 deposit, 5 withdraw, 6 reserved
    state             smallint NOT NULL,  -- bets and reservations: 0 open, 1 won, 2 cancelled
    amount            bigint NOT NULL,    -- money moved into the balance (negative for a bet)
    balance           bigint NOT NULL,    -- the balance the response carried
    request_uuid      uuid,               -- the response's request_uuid, when sent in lower case
    request_uuid_text text,               -- otherwise, exactly as it was sent
    fingerprint       bytea,
    reference         uuid,               -- the bet a win or rollback names
    created_at        timestamptz NOT NULL
  );
  CREATE INDEX transactions_wallet ON transactions (wallet_id, created_at);
  CREATE INDEX transactions_created ON transactions USING brin (created_at);
  `,
  // Retention counts a row's age from its last change. Only a bet changes (its win or rollback
  // settles it), so only a settled bet carries the time: 8 bytes on that row, none on the others.
  // A bet settled before this version takes the time of the win or rollback that settled it, or
  // now if that row is gone. The BRIN index follows each row version's write time, which grows
  // with the table as rows are inserted and settled bets are rewritten.
  `
  ALTER TABLE transactions ADD COLUMN settled_at timestamptz;
  UPDATE transactions b SET settled_at = s.at
  FROM (SELECT reference, wallet_id, min(created_at) AS at FROM transactions
        WHERE kind IN (2, 3) AND reference IS NOT NULL GROUP BY reference, wallet_id) s
  WHERE b.kind = 1 AND b.state <> 0 AND b.transaction_uuid = s.reference AND b.wallet_id = s.wallet_id;
  UPDATE transactions SET settled_at = now() WHERE kind = 1 AND state <> 0 AND settled_at IS NULL;
  DROP INDEX transactions_created;
  CREATE INDEX transactions_changed ON transactions USING brin ((coalesce(settled_at, created_at)));
  `,
  // Sessions, player info and responsible-gambling limits (SPEC 10-12). A user's limits and the
  // sums of its current periods live on its row, which every batch locks anyway; a bet's
  // is_free tells a cancellation or a win whether the bet was counted.
  `
  ALTER TABLE wallets
    ADD COLUMN info   jsonb,   -- the player's info, as set
    ADD COLUMN limits jsonb,   -- { limits, pending }: the limits set and the raises waiting
    ADD COLUMN usage  jsonb;   -- the sums of the current periods (lib/limits.ts Usage)
  ALTER TABLE transactions ADD COLUMN is_free boolean NOT NULL DEFAULT false;
  CREATE TABLE sessions (
    token      text PRIMARY KEY,
    wallet_id  bigint NOT NULL REFERENCES wallets (id),
    game_code  text,
    expires_at timestamptz NOT NULL
  );
  CREATE INDEX sessions_expires ON sessions (expires_at);
  `,
  // The back office (SPEC 13): a transaction's round (16 bytes when sent as a lower-case UUID,
  // else as text), whether it closed the round, and its game. A round is found through the
  // index of its form, narrowed by user; a user's history through transactions_wallet.
  `
  ALTER TABLE transactions
    ADD COLUMN round        uuid,     -- the round, when sent as a lower-case UUID
    ADD COLUMN round_text   text,     -- any other round, as sent (see lib/pg/history.ts for NUL)
    ADD COLUMN round_closed boolean NOT NULL DEFAULT false,
    ADD COLUMN game_code    text;
  CREATE INDEX transactions_round ON transactions (round) WHERE round IS NOT NULL;
  CREATE INDEX transactions_round_text ON transactions (round_text) WHERE round_text IS NOT NULL;
  `,
  // Stuck rounds (SPEC 13) as a lookup: a row per open round (a user's round value none of whose
  // transactions closed it) with the time of its last transaction, written by each batch in its
  // transaction under the user's row lock, and computed again by retention for the rounds it
  // takes transactions from. A round closes for good, so its row then goes: the table holds open
  // rounds only, and a stuck-rounds page is a range of rounds_idle. The round is kept as the
  // transactions keep it (a UUID in 16 bytes, else text); its sums come from its transactions.
  // Filled here from the transactions stored.
  `
  CREATE TABLE rounds (
    wallet_id  bigint NOT NULL,
    last_at    timestamptz NOT NULL,
    round      uuid,
    round_text text,
    CHECK ((round IS NULL) <> (round_text IS NULL))
  );
  CREATE UNIQUE INDEX rounds_round ON rounds (wallet_id, round) WHERE round IS NOT NULL;
  CREATE UNIQUE INDEX rounds_round_text ON rounds (wallet_id, round_text) WHERE round_text IS NOT NULL;
  CREATE INDEX rounds_idle ON rounds (last_at);
  INSERT INTO rounds (wallet_id, last_at, round, round_text)
  SELECT wallet_id, max(created_at), round, round_text
  FROM transactions
  WHERE (round IS NOT NULL OR round_text IS NOT NULL) AND kind <> 6
  GROUP BY wallet_id, round, round_text
  HAVING NOT bool_or(round_closed);
  `,
  // A text round is indexed through its SHA-256 (32 bytes) instead of as sent: a btree entry
  // holds at most about 2,700 bytes, and a round may be as long as a request. round_key is
  // immutable (the database's encoding never changes; convert_to alone is only marked stable, so
  // it cannot be indexed). Every lookup by a text round compares its key, for the index, then
  // the text itself; a round's row in `rounds` stays unique by user and key.
  `
  CREATE FUNCTION round_key(text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT pg_catalog.sha256(pg_catalog.convert_to($1, 'UTF8')) $$;
  DROP INDEX transactions_round_text;
  CREATE INDEX transactions_round_key ON transactions (round_key(round_text)) WHERE round_text IS NOT NULL;
  DROP INDEX rounds_round_text;
  CREATE UNIQUE INDEX rounds_round_key ON rounds (wallet_id, round_key(round_text)) WHERE round_text IS NOT NULL;
  `,
];

/** An arbitrary constant for the advisory lock that lets one process at a time migrate. */
const MIGRATION_LOCK = 0x65_78_77_6c; // "exwl"

/**
 * Brings the schema to the latest version. Processes starting at once take turns through an
 * advisory lock held by the migrating transaction, so each version is applied exactly once.
 */
export async function migrate(sql: Sql, schema: string): Promise<void> {
  checkSchemaName(schema);
  // Each query is guarded: a session lost mid-migration then fails the transaction cleanly.
  await sql.begin(async (tx) => {
    await unlessConnectionLost(tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await unlessConnectionLost(tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`));
    await unlessConnectionLost(tx.unsafe(`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`));
    const [row] = await unlessConnectionLost(tx<Array<{ version: number | null }>>`SELECT max(version) AS version FROM schema_migrations`);
    const current = row?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(`the database schema is at version ${current}, newer than this exwallet knows (${MIGRATIONS.length}): upgrade exwallet`);
    }
    for (let version = current + 1; version <= MIGRATIONS.length; version += 1) {
      await unlessConnectionLost(tx.unsafe(MIGRATIONS[version - 1] as string));
      await unlessConnectionLost(tx`INSERT INTO schema_migrations (version) VALUES (${version})`);
    }
  });
}
