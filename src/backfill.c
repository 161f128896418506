/*-------------------------------------------------------------------------
 *
 * backfill.c
 *	  The online path: add_column_with_default_concurrently(), a procedure
 *	  that adds a NOT NULL column with a volatile default to a table too
 *	  big to rewrite, and the trigger that fills rows written meanwhile.
 *
 * A volatile default makes ADD COLUMN rewrite the table under ACCESS
 * EXCLUSIVE.  Instead, only catalog changes take that lock, each with the
 * bounded waits of lock.c, and the rows are filled in committed batches:
 *
 *	 1. in one short transaction: ADD COLUMN (nullable, no default: no
 *		rewrite), SET DEFAULT (the validated tree, compared with what was
 *		stored), CHECK (col IS NOT NULL) NOT VALID, and a BEFORE INSERT OR
 *		UPDATE trigger that gives a row written without the value its
 *		default; the state row and the add_column audit row;
 *	 2. batches, each committed: UPDATE ... SET col = DEFAULT over a range
 *		of the primary key (one column) or of ctid blocks, of rows still
 *		NULL, up to where the table ended in step 1: every row there is
 *		older than the trigger, every row after it has the value;
 *	 3. VALIDATE CONSTRAINT, under SHARE UPDATE EXCLUSIVE: reads and writes
 *		go on; a row the batches missed (VACUUM FULL moved it behind a
 *		walk by ctid) fails it, and step 2 walks the whole table again;
 *	 4. in one short transaction: SET NOT NULL, which the valid CHECK proves
 *		without a scan, and the CHECK, the trigger and (unless kept) the
 *		default dropped; the backfill_completed audit row.
 *
 * The state lives in default_policy_backfills, written in the transaction
 * of each step, so a cancel, a crash or a lost connection loses at most
 * the batch under way: the same CALL resumes at the phase and position
 * stored.  Between batches the procedure sleeps while a streaming replica
 * lags more than defaults_policy.max_replica_lag, and sizes the batches to
 * take about defaults_policy.batch_target.
 *
 * The statements of steps 2 and 3 are built the way PostgreSQL's own
 * referential integrity triggers build theirs (ri_triggers.c): identifiers
 * read from the catalog, quoted, and values as parameters; the default
 * itself never appears in them (SET col = DEFAULT).  The DDL is parse
 * trees, run through ProcessUtility() as add_column.c runs its own.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include <math.h>

#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/plancat.h"
#include "pgstat.h"
#include "rewrite/rewriteHandler.h"
#include "storage/bufmgr.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "tcop/pquery.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#define BACKFILL_TABLE		"default_policy_backfills"
#define FILL_FUNCTION		"default_policy_backfill_fill"
#define NOTICE_INTERVAL_MS	5000
#define MIN_BATCH_ROWS		100
#define MAX_BATCH_ROWS		10000000
/* field4 of the advisory lock of a running CALL; SQL's own use 1 and 2 */
#define BACKFILL_LOCK_SPACE	0x4450

/* One backfill: the call, and its state as stored. */
typedef struct Backfill
{
	MemoryContext cxt;			/* survives the commits */

	/* the call */
	Oid			relid;
	char	   *column;
	char	   *column_type;
	char	   *expression;	/* canonical text */
	const char *kind;
	bool		keep_default;
	int			batch_size;		/* rows per batch, adapted as it runs */

	/* the state row */
	char	   *table_name;
	char	   *phase;
	char	   *walk;			/* "primary key" or "ctid" */
	char	   *walk_column;
	char	   *position;		/* last key done, or next block */
	char	   *end_position;	/* last key, or number of blocks, at step 1 */
	int64		rows_done;
	int64		rows_estimated;
	int64		batches;
	int64		throttled_ms;
	char	   *throttled;
	TimestampTz started_at;

	/* this run */
	bool		locked;			/* holds the lock of the column's CALL */
	LOCKTAG		lock;
	double		rows_per_block;
	TimestampTz last_notice;
	int			min_batch;
	int			max_batch;
} Backfill;

static char *
keep(Backfill *bf, const char *s)
{
	return s ? MemoryContextStrdup(bf->cxt, s) : NULL;
}

/* The names the steps use: the CHECK constraint and the trigger. */
static char *
check_name(AttrNumber attnum)
{
	return psprintf("default_policy_backfill_%d_not_null", attnum);
}

static char *
trigger_name(AttrNumber attnum)
{
	return psprintf("default_policy_backfill_%d", attnum);
}

/* Commit, and go on in a new transaction with a snapshot. */
static void
next_transaction(void)
{
	SPI_commit();
	EnsurePortalSnapshotExists();
}

static AlterTableCmd *
alter_cmd(AlterTableType subtype, const char *name, Node *def)
{
	AlterTableCmd *cmd = makeNode(AlterTableCmd);

	cmd->subtype = subtype;
	cmd->name = name ? pstrdup(name) : NULL;
	cmd->def = def;
	return cmd;
}

/*
 * The state row of (relid, column), into bf; false if there is none.
 * Leaves bf->phase NULL then.
 */
static bool
read_state(Backfill *bf)
{
	Oid			argtypes[2] = {OIDOID, NAMEOID};
	Datum		values[2];
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull;
	MemoryContext oldcxt;

	values[0] = ObjectIdGetDatum(bf->relid);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(bf->column));
	if (SPI_execute_with_args(psprintf("SELECT column_type, expression, keep_default, phase, walk,"
									   " walk_column, position, end_position, rows_done,"
									   " rows_estimated, batches, throttled_ms, started_at, table_name"
									   " FROM %s." BACKFILL_TABLE
									   " WHERE relid OPERATOR(pg_catalog.=) $1"
									   " AND column_name OPERATOR(pg_catalog.=) $2",
									   dp_extension_schema_quoted()),
							  2, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the backfill state");
	if (SPI_processed == 0)
		return false;

	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	oldcxt = MemoryContextSwitchTo(bf->cxt);
	bf->phase = SPI_getvalue(row, desc, 4);
	bf->walk = SPI_getvalue(row, desc, 5);
	bf->walk_column = SPI_getvalue(row, desc, 6);
	bf->position = SPI_getvalue(row, desc, 7);
	bf->end_position = SPI_getvalue(row, desc, 8);
	bf->table_name = SPI_getvalue(row, desc, 14);
	MemoryContextSwitchTo(oldcxt);
	bf->rows_done = DatumGetInt64(SPI_getbinval(row, desc, 9, &isnull));
	bf->rows_estimated = DatumGetInt64(SPI_getbinval(row, desc, 10, &isnull));
	if (isnull)
		bf->rows_estimated = -1;
	bf->batches = DatumGetInt64(SPI_getbinval(row, desc, 11, &isnull));
	bf->throttled_ms = DatumGetInt64(SPI_getbinval(row, desc, 12, &isnull));
	bf->started_at = DatumGetTimestampTz(SPI_getbinval(row, desc, 13, &isnull));

	/* the identity of the call in progress, to compare with this one */
	if (strcmp(SPI_getvalue(row, desc, 1), bf->column_type) != 0 ||
		strcmp(SPI_getvalue(row, desc, 2), bf->expression) != 0 ||
		DatumGetBool(SPI_getbinval(row, desc, 3, &isnull)) != bf->keep_default)
	{
		if (strcmp(bf->phase, "done") == 0)
			return true;
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("another backfill of column \"%s\" of table %s is in progress",
						bf->column, bf->table_name),
				 errdetail("It adds the column as %s with DEFAULT %s, %s the default; it is in phase \"%s\".",
						   SPI_getvalue(row, desc, 1), SPI_getvalue(row, desc, 2),
						   DatumGetBool(SPI_getbinval(row, desc, 3, &isnull)) ? "keeping" : "dropping",
						   bf->phase),
				 errhint("CALL add_column_with_default_concurrently() again with those arguments to finish it.")));
	}
	return true;
}

/* Write the state: a new row (insert) or the row's progress. */
static void
write_state(Backfill *bf, bool insert)
{
	Oid			argtypes[] = {OIDOID, NAMEOID, TEXTOID, TEXTOID, TEXTOID,
		INT8OID, INT8OID, INT4OID, TEXTOID, INT8OID, TEXTOID, TEXTOID,
		BOOLOID, TEXTOID, TEXTOID, TEXTOID, INT8OID};
	Datum		values[lengthof(argtypes)];
	char		nulls[lengthof(argtypes)];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = ObjectIdGetDatum(bf->relid);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(bf->column));
	values[2] = CStringGetTextDatum(bf->phase);
#define TEXT_OR_NULL(i, s) \
	do { if (s) values[i] = CStringGetTextDatum(s); else nulls[i] = 'n'; } while (0)
	TEXT_OR_NULL(3, bf->position);
	TEXT_OR_NULL(4, bf->throttled);
	values[5] = Int64GetDatum(bf->rows_done);
	values[6] = Int64GetDatum(bf->batches);
	values[7] = Int32GetDatum(bf->batch_size);
	TEXT_OR_NULL(8, bf->table_name);
	values[9] = Int64GetDatum(bf->throttled_ms);
	TEXT_OR_NULL(10, bf->column_type);
	TEXT_OR_NULL(11, bf->expression);
	values[12] = BoolGetDatum(bf->keep_default);
	TEXT_OR_NULL(13, bf->walk);
	TEXT_OR_NULL(14, bf->walk_column);
	TEXT_OR_NULL(15, bf->end_position);
	values[16] = Int64GetDatum(bf->rows_estimated);
	if (bf->rows_estimated < 0)
		nulls[16] = 'n';
#undef TEXT_OR_NULL

	if (insert)
		dp_spi_as_owner(psprintf("INSERT INTO %s." BACKFILL_TABLE
								 " (relid, column_name, phase, position, throttled, rows_done, batches,"
								 " batch_size, table_name, throttled_ms, column_type, expression,"
								 " keep_default, walk, walk_column, end_position, rows_estimated,"
								 " started_at, updated_at)"
								 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
								 " $15, $16, $17, pg_catalog.clock_timestamp(), pg_catalog.clock_timestamp())",
								 dp_extension_schema_quoted()),
						lengthof(argtypes), argtypes, values, nulls);
	else
		dp_spi_as_owner(psprintf("UPDATE %s." BACKFILL_TABLE
								 " SET phase = $3, position = $4, throttled = $5, rows_done = $6,"
								 " batches = $7, batch_size = $8, throttled_ms = $10,"
								 " walk = $14, walk_column = $15, end_position = $16,"
								 " updated_at = t.now,"
								 " finished_at = CASE WHEN $3 OPERATOR(pg_catalog.=) 'done'"
								 " THEN t.now END"
								 " FROM (SELECT pg_catalog.clock_timestamp() AS now) AS t"
								 " WHERE relid OPERATOR(pg_catalog.=) $1"
								 " AND column_name OPERATOR(pg_catalog.=) $2",
								 dp_extension_schema_quoted()),
						lengthof(argtypes), argtypes, values, nulls);
}

static void
delete_state(Backfill *bf)
{
	Oid			argtypes[2] = {OIDOID, NAMEOID};
	Datum		values[2];

	values[0] = ObjectIdGetDatum(bf->relid);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(bf->column));
	dp_spi_as_owner(psprintf("DELETE FROM %s." BACKFILL_TABLE
							 " WHERE relid OPERATOR(pg_catalog.=) $1"
							 " AND column_name OPERATOR(pg_catalog.=) $2",
							 dp_extension_schema_quoted()),
					2, argtypes, values, NULL);
}

/* The table's single-column primary key, or InvalidAttrNumber. */
static AttrNumber
primary_key_column(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	Oid			indexid = RelationGetPrimaryKeyIndex(rel);
	AttrNumber	attnum = InvalidAttrNumber;

	if (OidIsValid(indexid))
	{
		Relation	index = index_open(indexid, AccessShareLock);

		if (index->rd_index->indnkeyatts == 1 && index->rd_index->indkey.values[0] > 0)
			attnum = index->rd_index->indkey.values[0];
		index_close(index, AccessShareLock);
	}
	table_close(rel, AccessShareLock);
	return attnum;
}

/*
 * One key of a query run as the caller, as text (NULL for none), under a
 * new snapshot: it must see what committed while the lock was awaited.
 * The text is written under the canonical settings (ISO dates, exact
 * floats), as typed_value() reads it: the state row keeps it, and a CALL
 * resumed from a session with another DateStyle must read the same key.
 */
static char *
query_value(Backfill *bf, const char *sql, int nargs, Oid *argtypes,
			Datum *values, const char *nulls)
{
	DpCanonical saved;
	char	   *volatile text = NULL;

	if (SPI_execute_with_args(sql, nargs, argtypes, values, nulls, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not run \"%s\"", sql);
	if (SPI_processed == 0)
	{
		SPI_freetuptable(SPI_tuptable);
		return NULL;
	}
	dp_canonical_begin(&saved, false, true);
	PG_TRY();
	{
		text = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	}
	PG_FINALLY();
	{
		dp_canonical_end(&saved);
	}
	PG_END_TRY();
	SPI_freetuptable(SPI_tuptable);
	return keep(bf, text);
}

/*
 * Step 1, in the transaction the call began: the column, its default, the
 * NOT VALID check, the trigger, the state row and the add_column audit row.
 */
static void
start(Backfill *bf, TargetTable *target, DefaultCheck *check)
{
	ColumnDef  *coldef;
	Constraint *con;
	NullTest   *notnull;
	ColumnRef  *colref;
	CreateTrigStmt *trig;
	AttrNumber	attnum;
	AttrNumber	pk;
	Relation	rel;
	BlockNumber pages;
	double		tuples;
	double		allvisfrac;
	DpAuditEvent event = {0};
	StringInfoData detail;

	dp_lock_target(target, AccessExclusiveLock, 0);
	dp_recheck_safety(check);
	(void) dp_column_is_no_op(target, bf->column, check, false);

	/* the column, nullable and without a default: no rewrite */
	coldef = makeColumnDef(bf->column, check->typid, check->typmod,
						   get_typcollation(check->typid));
	coldef->location = -1;
	dp_run_alter(target, alter_cmd(AT_AddColumn, NULL, (Node *) coldef),
				 psprintf("ALTER TABLE %s ADD COLUMN %s %s", target->qualified,
						  quote_identifier(bf->column), check->type_name),
				 NULL);
	attnum = get_attnum(bf->relid, bf->column);

	/* the default, for the rows written from now on and for the batches */
	dp_alter_column_default(target, bf->column, check);

	/* NOT NULL to come: checked for new rows at once, proved at step 4 */
	colref = makeNode(ColumnRef);
	colref->fields = list_make1(makeString(pstrdup(bf->column)));
	colref->location = -1;
	notnull = makeNode(NullTest);
	notnull->arg = (Expr *) colref;
	notnull->nulltesttype = IS_NOT_NULL;
	notnull->location = -1;
	con = makeNode(Constraint);
	con->contype = CONSTR_CHECK;
	con->conname = check_name(attnum);
	con->raw_expr = (Node *) notnull;
	con->skip_validation = true;
	con->initially_valid = false;
	con->location = -1;
	dp_run_alter(target, alter_cmd(AT_AddConstraint, NULL, (Node *) con),
				 psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID",
						  target->qualified, quote_identifier(con->conname),
						  quote_identifier(bf->column)),
				 NULL);

	/* rows written without the value get it */
	trig = makeNode(CreateTrigStmt);
	trig->trigname = trigger_name(attnum);
	trig->relation = makeRangeVar(target->nspname, target->relname, -1);
	trig->funcname = list_make2(makeString(get_namespace_name(dp_extension_schema())),
								makeString(FILL_FUNCTION));
	trig->args = list_make1(makeString(psprintf("%d", attnum)));
	trig->row = true;
	trig->timing = TRIGGER_TYPE_BEFORE;
	trig->events = TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE;
	dp_run_utility((Node *) trig,
				psprintf("CREATE TRIGGER %s BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION %s.%s('%d')",
						 quote_identifier(trig->trigname), target->qualified,
						 dp_extension_schema_quoted(), FILL_FUNCTION, attnum));

	/* where the rows older than the trigger end */
	pk = primary_key_column(bf->relid);
	if (pk != InvalidAttrNumber)
	{
		bf->walk = keep(bf, "primary key");
		bf->walk_column = keep(bf, get_attname(bf->relid, pk, false));
		bf->end_position = query_value(bf, psprintf("SELECT max(%s) FROM %s",
													quote_identifier(bf->walk_column),
													target->qualified),
									   0, NULL, NULL, NULL);
		bf->position = NULL;
	}
	else
	{
		bf->walk = keep(bf, "ctid");
		bf->walk_column = NULL;
		rel = table_open(bf->relid, NoLock);
		bf->end_position = keep(bf, psprintf("%u", RelationGetNumberOfBlocks(rel)));
		bf->position = keep(bf, "0");
		table_close(rel, NoLock);
	}
	rel = table_open(bf->relid, NoLock);
	estimate_rel_size(rel, NULL, &pages, &tuples, &allvisfrac);
	table_close(rel, NoLock);
	bf->rows_estimated = (int64) tuples;
	bf->rows_done = 0;
	bf->batches = 0;
	bf->throttled_ms = 0;
	bf->throttled = NULL;
	bf->table_name = keep(bf, target->qualified);
	bf->phase = keep(bf, bf->end_position ? "backfilling" : "validating");
	bf->started_at = GetCurrentTimestamp();
	write_state(bf, true);

	event.action = "add_column";
	event.table_name = target->qualified;
	event.column_name = bf->column;
	event.column_type = check->type_name;
	event.expression = check->normalized;
	event.kind = dp_kind_name(check->kind);
	event.kept_default = bf->keep_default ? 1 : 0;
	event.rewrote = 0;
	dp_json_begin(&detail);
	dp_json_add_text(&detail, "path", "online");
	dp_json_add_text(&detail, "walk", bf->walk);
	dp_json_add_raw(&detail, "rows_estimated", psprintf(INT64_FORMAT, bf->rows_estimated));
	dp_json_add_raw(&detail, "lock_attempts", psprintf("%d", target->lock_attempts));
	event.detail = dp_json_end(&detail);
	(void) dp_audit(&event);
}

/*
 * A key of type typid from its text as query_value() wrote it (the
 * canonical settings), for a parameter.
 */
static Datum
typed_value(Oid typid, const char *text)
{
	Oid			typinput;
	Oid			typioparam;
	DpCanonical saved;
	volatile Datum value = (Datum) 0;

	getTypeInputInfo(typid, &typinput, &typioparam);
	dp_canonical_begin(&saved, false, false);
	PG_TRY();
	{
		value = OidInputFunctionCall(typinput, (char *) text, typioparam, -1);
	}
	PG_FINALLY();
	{
		dp_canonical_end(&saved);
	}
	PG_END_TRY();
	return value;
}

/*
 * One batch along the primary key: the next batch_size keys after the
 * position, up to the end; returns the rows filled.
 */
static uint64
batch_by_key(Backfill *bf, TargetTable *target, bool *done)
{
	AttrNumber	pk = get_attnum(bf->relid, bf->walk_column);
	Oid			pktype = get_atttype(bf->relid, pk);
	const char *key = quote_identifier(bf->walk_column);
	const char *col = quote_identifier(bf->column);
	Oid			argtypes[3] = {pktype, pktype, INT8OID};
	Datum		values[3];
	char	   *upper;
	int			rc;

	values[1] = typed_value(pktype, bf->end_position);
	values[2] = Int64GetDatum(bf->batch_size - 1);
	if (bf->position)
	{
		values[0] = typed_value(pktype, bf->position);
		upper = query_value(bf, psprintf("SELECT %s FROM %s WHERE %s > $1 AND %s <= $2"
										 " ORDER BY %s OFFSET $3 LIMIT 1",
										 key, target->qualified, key, key, key),
							3, argtypes, values, NULL);
	}
	else
	{
		values[0] = values[1];
		upper = query_value(bf, psprintf("SELECT %s FROM %s WHERE %s <= $1"
										 " ORDER BY %s OFFSET $2 LIMIT 1",
										 key, target->qualified, key, key),
							2, (Oid[]) {pktype, INT8OID}, (Datum[]) {values[1], values[2]}, NULL);
	}
	if (upper == NULL)
		upper = bf->end_position;
	*done = (strcmp(upper, bf->end_position) == 0);

	values[1] = typed_value(pktype, upper);
	if (bf->position)
		rc = SPI_execute_with_args(psprintf("UPDATE %s SET %s = DEFAULT WHERE %s > $1 AND %s <= $2 AND %s IS NULL",
											target->qualified, col, key, key, col),
								   2, argtypes, values, NULL, false, 0);
	else
		rc = SPI_execute_with_args(psprintf("UPDATE %s SET %s = DEFAULT WHERE %s <= $1 AND %s IS NULL",
											target->qualified, col, key, col),
								   1, argtypes, &values[1], NULL, false, 0);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "could not fill a batch: %s", SPI_result_code_string(rc));
	bf->position = upper;
	return SPI_processed;
}

/* One batch of ctid blocks, about batch_size rows. */
static uint64
batch_by_ctid(Backfill *bf, TargetTable *target, bool *done)
{
	const char *col = quote_identifier(bf->column);
	BlockNumber from = (BlockNumber) strtoul(bf->position, NULL, 10);
	BlockNumber end = (BlockNumber) strtoul(bf->end_position, NULL, 10);
	double		blocks = Max(1.0, ceil(bf->batch_size / Max(bf->rows_per_block, 1.0)));
	BlockNumber to = (BlockNumber) Min((double) end, from + blocks);
	ItemPointerData lower;
	ItemPointerData upper;
	Oid			argtypes[2] = {TIDOID, TIDOID};
	Datum		values[2];
	int			rc;

	ItemPointerSet(&lower, from, 0);
	ItemPointerSet(&upper, to, 0);
	values[0] = PointerGetDatum(&lower);
	values[1] = PointerGetDatum(&upper);
	rc = SPI_execute_with_args(psprintf("UPDATE %s SET %s = DEFAULT WHERE ctid >= $1 AND ctid < $2 AND %s IS NULL",
										target->qualified, col, col),
							   2, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "could not fill a batch: %s", SPI_result_code_string(rc));
	if (to > from && SPI_processed > 0)
		bf->rows_per_block = (double) SPI_processed / (to - from);
	bf->position = keep(bf, psprintf("%u", to));
	*done = (to >= end);
	return SPI_processed;
}

/* The replay lag of the most lagging streaming replica, in ms (0: none). */
static int64
replica_lag_ms(void)
{
	int64		lag = 0;

	if (SPI_execute("SELECT pg_catalog.max(pg_catalog.date_part('epoch', replay_lag)"
					" OPERATOR(pg_catalog.*) 1000)::pg_catalog.int8"
					" FROM pg_catalog.pg_stat_replication WHERE state OPERATOR(pg_catalog.=) 'streaming'",
					true, 1) == SPI_OK_SELECT && SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			lag = DatumGetInt64(d);
	}
	/* asked every second of a pause: free the tuple table at once */
	SPI_freetuptable(SPI_tuptable);
	return lag;
}

/* Sleep ms, waking for a cancel. */
static void
nap(int64 ms)
{
	while (ms > 0)
	{
		int64		step = Min(ms, 100);

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 step, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		ms -= step;
	}
}

/*
 * Before a batch: wait while a streaming replica lags too much, saying so
 * in the state row (committed, so that other sessions see it).
 */
static void
wait_for_replicas(Backfill *bf)
{
	int64		lag;

	if (dp_max_replica_lag <= 0)
		return;
	while ((lag = replica_lag_ms()) > dp_max_replica_lag)
	{
		char	   *why = psprintf("replica replay lag %.1f s, above defaults_policy.max_replica_lag (%.1f s)",
								   lag / 1000.0, dp_max_replica_lag / 1000.0);

		if (bf->throttled == NULL || strcmp(bf->throttled, why) != 0)
		{
			bf->throttled = keep(bf, why);
			write_state(bf, false);
			next_transaction();
		}
		nap(1000);
		bf->throttled_ms += 1000;
	}
}

/* At most every 5 s: how far it is, and when it should be done. */
static void
progress_notice(Backfill *bf, bool last)
{
	TimestampTz now = GetCurrentTimestamp();
	int			percent;

	if (!last && bf->last_notice != 0 &&
		!TimestampDifferenceExceeds(bf->last_notice, now, NOTICE_INTERVAL_MS))
		return;
	bf->last_notice = now;
	if (bf->rows_estimated <= 0 || bf->rows_done == 0)
	{
		ereport(NOTICE,
				(errmsg_plural("backfilled " INT64_FORMAT " row of table %s",
							   "backfilled " INT64_FORMAT " rows of table %s",
							   bf->rows_done, bf->rows_done, bf->table_name)));
		return;
	}
	percent = (int) Min(100, bf->rows_done * 100 / bf->rows_estimated);
	if (last || bf->rows_done >= bf->rows_estimated)
		ereport(NOTICE,
				(errmsg("backfilled " INT64_FORMAT " rows of table %s (%d%% of the estimate)",
						bf->rows_done, bf->table_name, percent)));
	else
	{
		double		elapsed = (now - bf->started_at) / 1000000.0;
		double		remaining = elapsed * (bf->rows_estimated - bf->rows_done) / bf->rows_done;

		if (remaining < 1.0)
			ereport(NOTICE,
					(errmsg("backfilled " INT64_FORMAT " of about " INT64_FORMAT " rows of table %s (%d%%), done in under a second",
							bf->rows_done, bf->rows_estimated, bf->table_name, percent)));
		else
			ereport(NOTICE,
					(errmsg("backfilled " INT64_FORMAT " of about " INT64_FORMAT " rows of table %s (%d%%), done in about %.0f s",
							bf->rows_done, bf->rows_estimated, bf->table_name, percent, remaining)));
	}
}

/*
 * Step 2: the batches, each committed with the state.  The size follows
 * defaults_policy.batch_target; a batch that took more than twice as long
 * is followed by a pause as long as its overrun, so that a loaded server
 * gets its time back.
 *
 * A table of a billion rows takes tens of thousands of batches.  Each runs
 * in an SPI connection of its own, whose procedure context goes with
 * SPI_finish(): SPI switches back to that context after every statement,
 * so what a batch allocates (and the tuple tables of its queries) would
 * otherwise stay until the CALL ends, some 18 kB a batch.  What must last
 * is kept in bf->cxt.
 */
static void
fill(Backfill *bf)
{
	bool		done = false;

	while (!done)
	{
		TargetTable target;
		TimestampTz begun;
		long		secs;
		int			usecs;
		double		ms;
		double		factor;
		uint64		filled;

		SPI_connect_ext(SPI_OPT_NONATOMIC);
		CHECK_FOR_INTERRUPTS();
		wait_for_replicas(bf);

		dp_open_target(bf->relid, 0, &target);
		begun = GetCurrentTimestamp();
		if (strcmp(bf->walk, "primary key") == 0)
			filled = batch_by_key(bf, &target, &done);
		else
			filled = batch_by_ctid(bf, &target, &done);
		TimestampDifference(begun, GetCurrentTimestamp(), &secs, &usecs);
		ms = secs * 1000.0 + usecs / 1000.0;

		bf->rows_done += filled;
		bf->batches++;
		bf->throttled = NULL;
		if (ms > 2.0 * dp_batch_target)
			bf->throttled = keep(bf, psprintf("batch took %.0f ms, planned %d ms: pausing as long as the overrun",
											  ms, dp_batch_target));
		if (done)
			bf->phase = keep(bf, "validating");
		write_state(bf, false);
		next_transaction();
		progress_notice(bf, done);

		if (bf->throttled != NULL)
		{
			int64		pause = (int64) (ms - dp_batch_target);

			nap(pause);
			bf->throttled_ms += pause;
		}

		/* hold the target duration */
		factor = dp_batch_target / Max(ms, 1.0);
		factor = Max(0.5, Min(2.0, factor));
		bf->batch_size = (int) Max(bf->min_batch, Min(bf->max_batch, bf->batch_size * factor));

		SPI_finish();
	}
}

/* What validate() runs in a subtransaction. */
typedef struct ValidateArgs
{
	TargetTable *target;
	const char *conname;
} ValidateArgs;

static void
validate_constraint(void *arg)
{
	ValidateArgs *args = (ValidateArgs *) arg;

	dp_run_alter(args->target, alter_cmd(AT_ValidateConstraint, args->conname, NULL),
				 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", args->target->qualified,
						  quote_identifier(args->conname)),
				 NULL);
}

/*
 * Step 3: the check proved over every row, while reads and writes go on.
 *
 * A row still without a value fails it: one the walk missed.  A walk by
 * ctid misses the rows that VACUUM FULL or CLUSTER moved behind it while
 * it ran.  Then the whole table is walked again, by ctid (the rows filled
 * already cost a look each), and validated again.
 */
static void
validate(Backfill *bf)
{
	TargetTable target;
	AttrNumber	attnum = get_attnum(bf->relid, bf->column);
	ValidateArgs args;
	ErrorData  *edata;
	Relation	rel;

	dp_open_target(bf->relid, 0, &target);
	args.target = &target;
	args.conname = check_name(attnum);
	edata = dp_try_in_subtransaction(validate_constraint, &args, true);
	if (edata == NULL)
		bf->phase = keep(bf, "finishing");
	else
	{
		if (edata->sqlerrcode != ERRCODE_CHECK_VIOLATION)
			ReThrowError(edata);
		ereport(NOTICE,
				(errmsg("rows of table %s still have no value for column \"%s\": walking the whole table again",
						bf->table_name, bf->column),
				 errdetail("The table was rewritten during the backfill (VACUUM FULL or CLUSTER move rows behind a walk by ctid).")));
		rel = table_open(bf->relid, AccessShareLock);
		bf->walk = keep(bf, "ctid");
		bf->walk_column = NULL;
		bf->position = keep(bf, "0");
		bf->end_position = keep(bf, psprintf("%u", RelationGetNumberOfBlocks(rel)));
		table_close(rel, AccessShareLock);
		bf->phase = keep(bf, "backfilling");
	}
	write_state(bf, false);
	next_transaction();
}

/*
 * Step 4: NOT NULL (proved by the valid check, no scan), and nothing left
 * behind; the backfill_completed audit row.
 */
static void
finish(Backfill *bf)
{
	TargetTable target;
	AttrNumber	attnum = get_attnum(bf->relid, bf->column);
	DropStmt   *drop = makeNode(DropStmt);
	DpAuditEvent event = {0};
	StringInfoData detail;
	double		seconds;

	dp_open_target(bf->relid, 0, &target);
	dp_lock_target(&target, AccessExclusiveLock, 0);
	dp_run_alter(&target, alter_cmd(AT_SetNotNull, bf->column, NULL),
				 psprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", target.qualified,
						  quote_identifier(bf->column)),
				 NULL);
	dp_run_alter(&target, alter_cmd(AT_DropConstraint, check_name(attnum), NULL),
				 psprintf("ALTER TABLE %s DROP CONSTRAINT %s", target.qualified,
						  quote_identifier(check_name(attnum))),
				 NULL);
	drop->removeType = OBJECT_TRIGGER;
	drop->objects = list_make1(list_make3(makeString(target.nspname),
										  makeString(target.relname),
										  makeString(trigger_name(attnum))));
	drop->behavior = DROP_RESTRICT;
	drop->missing_ok = true;
	dp_run_utility((Node *) drop,
				psprintf("DROP TRIGGER IF EXISTS %s ON %s", quote_identifier(trigger_name(attnum)),
						 target.qualified));
	if (!bf->keep_default)
		dp_alter_column_default(&target, bf->column, NULL);

	bf->phase = keep(bf, "done");
	bf->throttled = NULL;
	write_state(bf, false);

	seconds = (GetCurrentTimestamp() - bf->started_at) / 1000000.0;
	event.action = "backfill_completed";
	event.table_name = target.qualified;
	event.column_name = bf->column;
	event.column_type = bf->column_type;
	event.expression = bf->expression;
	event.kind = bf->kind;
	event.kept_default = bf->keep_default ? 1 : 0;
	event.rewrote = 0;
	dp_json_begin(&detail);
	dp_json_add_text(&detail, "walk", bf->walk);
	dp_json_add_raw(&detail, "rows", psprintf(INT64_FORMAT, bf->rows_done));
	dp_json_add_raw(&detail, "batches", psprintf(INT64_FORMAT, bf->batches));
	dp_json_add_raw(&detail, "seconds", psprintf("%.3f", seconds));
	dp_json_add_raw(&detail, "rows_per_second",
					psprintf("%.0f", seconds > 0 ? bf->rows_done / seconds : 0));
	dp_json_add_raw(&detail, "throttled_seconds", psprintf("%.3f", bf->throttled_ms / 1000.0));
	dp_json_add_raw(&detail, "last_batch_size", psprintf("%d", bf->batch_size));
	dp_json_add_raw(&detail, "lock_attempts", psprintf("%d", target.lock_attempts));
	event.detail = dp_json_end(&detail);
	(void) dp_audit(&event);
	next_transaction();
}

/* Is this call a CALL outside a transaction block, free to commit? */
static bool
may_commit(FunctionCallInfo fcinfo)
{
	return fcinfo->context != NULL && IsA(fcinfo->context, CallContext) &&
		!((CallContext *) fcinfo->context)->atomic;
}

/*
 * Drop the fill triggers whose column was dropped: an earlier run's, whose
 * column went before it finished.
 */
static void
drop_stale_triggers(TargetTable *target)
{
	Oid			argtypes[2] = {OIDOID, TEXTOID};
	Datum		values[2];
	uint64		n;

	values[0] = ObjectIdGetDatum(target->relid);
	values[1] = CStringGetTextDatum(FILL_FUNCTION);
	if (SPI_execute_with_args("SELECT t.tgname FROM pg_catalog.pg_trigger t"
							  " JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid"
							  " JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) t.tgrelid"
							  " AND a.attnum::pg_catalog.text OPERATOR(pg_catalog.=)"
							  " pg_catalog.split_part(pg_catalog.encode(t.tgargs, 'escape'), E'\\\\000', 1)"
							  " WHERE t.tgrelid OPERATOR(pg_catalog.=) $1"
							  " AND p.proname OPERATOR(pg_catalog.=) $2 AND a.attisdropped",
							  2, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the triggers of table \"%s\"", target->relname);
	n = SPI_processed;
	for (uint64 i = 0; i < n; i++)
	{
		DropStmt   *drop = makeNode(DropStmt);
		char	   *tgname = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

		drop->removeType = OBJECT_TRIGGER;
		drop->objects = list_make1(list_make3(makeString(target->nspname),
											  makeString(target->relname),
											  makeString(tgname)));
		drop->behavior = DROP_RESTRICT;
		dp_run_utility((Node *) drop,
					psprintf("DROP TRIGGER %s ON %s", quote_identifier(tgname),
							 target->qualified));
	}
}

/*
 * One CALL at a time per column.  Two would race on the state row: the one
 * that finishes drops the check and the trigger, and the other, still
 * batching, writes its older phase back, so every later CALL failed on the
 * missing check.  A second CALL comes easily: a client that lost its
 * connection leaves its backend running the CALL, and the migration is run
 * again.  The lock is an advisory one held by the session across the
 * commits (a relation lock would hold off VACUUM), keyed on the table and
 * the column's name; the caller releases it.
 */
static void
lock_column(Backfill *bf, TargetTable *target)
{
	SET_LOCKTAG_ADVISORY(bf->lock, MyDatabaseId, bf->relid,
						 DatumGetUInt32(hash_any((const unsigned char *) bf->column,
												 strlen(bf->column))),
						 BACKFILL_LOCK_SPACE);
	if (LockAcquire(&bf->lock, ExclusiveLock, true, true) != LOCKACQUIRE_NOT_AVAIL)
	{
		bf->locked = true;
		return;
	}
	{
		Oid			argtypes[3] = {OIDOID, OIDOID, INT2OID};
		Datum		values[3];
		char	   *pid = NULL;

		values[0] = ObjectIdGetDatum(bf->lock.locktag_field2);
		values[1] = ObjectIdGetDatum(bf->lock.locktag_field3);
		values[2] = Int16GetDatum(BACKFILL_LOCK_SPACE);
		if (SPI_execute_with_args("SELECT pid FROM pg_catalog.pg_locks"
								  " WHERE locktype OPERATOR(pg_catalog.=) 'advisory'"
								  " AND database OPERATOR(pg_catalog.=) (SELECT oid FROM pg_catalog.pg_database"
								  "  WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database())"
								  " AND classid OPERATOR(pg_catalog.=) $1 AND objid OPERATOR(pg_catalog.=) $2"
								  " AND objsubid OPERATOR(pg_catalog.=) $3 AND granted",
								  3, argtypes, values, NULL, true, 1) == SPI_OK_SELECT &&
			SPI_processed == 1)
			pid = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("column \"%s\" of table %s is being added by another session",
						bf->column, target->qualified),
				 pid ? errdetail("Process %s runs add_column_with_default_concurrently() for it.", pid) : 0,
				 errhint("Wait for that CALL to end, or cancel it (pg_cancel_backend()); CALL again then to resume.")));
	}
}

/* The whole run, from wherever the state says it is. */
static void
run(Backfill *bf, FunctionCallInfo fcinfo)
{
	TargetTable target;
	DefaultCheck check;
	bool		resumed;

	EnsurePortalSnapshotExists();
	dp_citus_require_coordinator("add_column_with_default_concurrently()");
	dp_refuse_system_column(bf->column);
	dp_open_target(bf->relid, 0, &target);
	if (dp_citus_table(bf->relid, list_make1_oid(bf->relid), &target.citus))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("add_column_with_default_concurrently() does not work on Citus tables"),
				 errdetail("\"%s\" is a Citus %s table: Citus keeps its rows in shards, which the online path neither fills in batches nor locks with bounded waits.",
						   target.relname, dp_citus_type_name(target.citus.type)),
				 errhint("Use add_column_with_default(), which adds the column to every shard with bounded lock waits.")));
	dp_check_default(bf->expression, bf->column_type, 0, target.owner, &check);
	if (!check.valid)
		dp_raise_invalid_column_default(&check, bf->column, target.relname);
	if (check.rewrites && (target.relkind != RELKIND_RELATION || has_subclass(bf->relid)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("add_column_with_default_concurrently() works on plain tables without partitions or children"),
				 errdetail("\"%s\" is partitioned or has children.", target.relname),
				 errhint("Use add_column_with_default(), which adds the column to every partition in one transaction.")));
	if (DomainHasConstraints(check.typid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("add_column_with_default_concurrently() cannot add a column of type %s",
						check.type_name),
				 errdetail("The type is a domain with constraints: adding any column of it rewrites the table."),
				 errhint("Use add_column_with_default(), or a column type without domain constraints.")));
	/* the identity of the call: what the engine made of it */
	bf->column_type = keep(bf, check.type_name);
	bf->expression = keep(bf, check.normalized);
	bf->kind = dp_kind_name(check.kind);

	lock_column(bf, &target);
	resumed = read_state(bf);
	if (resumed && get_attnum(bf->relid, bf->column) == InvalidAttrNumber)
	{
		/* the column of an earlier run was dropped since: start again */
		delete_state(bf);
		drop_stale_triggers(&target);
		resumed = false;
	}
	if (resumed && strcmp(bf->phase, "done") == 0)
	{
		ereport(NOTICE,
				(errmsg("column \"%s\" of table %s was added by an earlier call, nothing to do",
						bf->column, bf->table_name)));
		return;
	}

	if (!resumed)
	{
		if (!check.rewrites)
		{
			/* no rewrite needed: the instant transactional path */
			(void) dp_add_column(&target, bf->column, &check, bf->keep_default,
								 false, NULL);
			ereport(NOTICE,
					(errmsg("the default of column \"%s\" needs no rewrite: the column was added at once",
							bf->column),
					 errdetail("It is stored once in the catalog, as add_column_with_default() does.")));
			return;
		}
		start(bf, &target, &check);
		next_transaction();
	}
	else
		ereport(NOTICE,
				(errmsg("resuming the backfill of column \"%s\" of table %s in phase \"%s\"",
						bf->column, bf->table_name, bf->phase)));

	/* validate() goes back to the batches if they missed a row */
	while (strcmp(bf->phase, "backfilling") == 0 || strcmp(bf->phase, "validating") == 0)
	{
		if (strcmp(bf->phase, "backfilling") == 0)
			fill(bf);
		if (strcmp(bf->phase, "validating") == 0)
			validate(bf);
	}
	if (strcmp(bf->phase, "finishing") == 0)
		finish(bf);
}

/*
 * PROCEDURE add_column_with_default_concurrently(table_name regclass,
 *		column_name name, column_type text, expression text,
 *		keep_default boolean DEFAULT false, batch_size integer DEFAULT 10000)
 */
PG_FUNCTION_INFO_V1(add_column_with_default_concurrently);
Datum
add_column_with_default_concurrently(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	Backfill   *bf;

	if (!may_commit(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("add_column_with_default_concurrently() cannot run inside a transaction block"),
				 errdetail("It commits after each batch."),
				 errhint("CALL it on its own, or use add_column_with_default() inside the transaction.")));
	dp_require_arg(fcinfo, 4, "keep_default");
	dp_require_arg(fcinfo, 5, "batch size");
	if (PG_GETARG_INT32(5) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch size must be at least 1")));

	cxt = AllocSetContextCreate(TopMemoryContext, "defaults_policy backfill",
								ALLOCSET_DEFAULT_SIZES);
	bf = MemoryContextAllocZero(cxt, sizeof(Backfill));
	bf->cxt = cxt;
	bf->relid = dp_table_arg(fcinfo);
	bf->column = keep(bf, dp_column_name_arg(fcinfo, 1));
	bf->column_type = keep(bf, dp_required_text_arg(fcinfo, 2, "column type"));
	bf->expression = keep(bf, dp_required_text_arg(fcinfo, 3, "default expression"));
	bf->keep_default = PG_GETARG_BOOL(4);
	bf->batch_size = PG_GETARG_INT32(5);
	bf->min_batch = Min(bf->batch_size, MIN_BATCH_ROWS);
	bf->max_batch = Max(bf->batch_size, Min(MAX_BATCH_ROWS, bf->batch_size * 100));
	bf->rows_per_block = 50;

	PG_TRY();
	{
		SPI_connect_ext(SPI_OPT_NONATOMIC);
		run(bf, fcinfo);
		SPI_finish();
	}
	PG_FINALLY();
	{
		if (bf->locked)
			LockRelease(&bf->lock, ExclusiveLock, true);
		MemoryContextDelete(cxt);
	}
	PG_END_TRY();
	PG_RETURN_VOID();
}

/* What the fill trigger keeps for the statement it fires in. */
typedef struct FillCache
{
	Oid			relid;
	AttrNumber	attnum;
	bool		has_default;
	EState	   *estate;
	ExprState  *expr;
} FillCache;

/*
 * default_policy_backfill_fill() RETURNS trigger, BEFORE INSERT OR UPDATE
 * FOR EACH ROW, argument: the column's number
 *
 * A row written while the backfill runs gets its value now if it has none:
 * the column's default, evaluated as for an INSERT that leaves it out.
 */
PG_FUNCTION_INFO_V1(default_policy_backfill_fill);
Datum
default_policy_backfill_fill(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tuple;
	AttrNumber	attnum;
	FillCache  *cache;
	bool		isnull;
	Datum		value;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ||
		trigdata->tg_trigger->tgnargs != 1)
		elog(ERROR, "default_policy_backfill_fill: not fired before insert or update for each row with one argument");

	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;
	attnum = (AttrNumber) pg_strtoint32(trigdata->tg_trigger->tgargs[0]);
	if (attnum < 1 || attnum > desc->natts)
		return PointerGetDatum(tuple);

	(void) heap_getattr(tuple, attnum, desc, &isnull);
	if (!isnull)
		return PointerGetDatum(tuple);

	cache = (FillCache *) fcinfo->flinfo->fn_extra;
	if (cache == NULL || cache->relid != RelationGetRelid(rel) || cache->attnum != attnum)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		Node	   *def;

		cache = palloc0(sizeof(FillCache));
		cache->relid = RelationGetRelid(rel);
		cache->attnum = attnum;
		def = build_column_default(rel, attnum);
		cache->has_default = (def != NULL);
		if (def != NULL)
		{
			cache->estate = CreateExecutorState();
			cache->expr = ExecPrepareExpr((Expr *) def, cache->estate);
		}
		fcinfo->flinfo->fn_extra = cache;
		MemoryContextSwitchTo(oldcxt);
	}
	if (!cache->has_default)
		return PointerGetDatum(tuple);

	value = ExecEvalExprSwitchContext(cache->expr, GetPerTupleExprContext(cache->estate),
									  &isnull);
	{
		int			replace = attnum;

		tuple = heap_modify_tuple_by_cols(tuple, desc, 1, &replace, &value, &isnull);
	}
	ResetPerTupleExprContext(cache->estate);
	return PointerGetDatum(tuple);
}
