/*-------------------------------------------------------------------------
 *
 * add_column.c
 *	  Adding NOT NULL columns with validated defaults, and setting defaults:
 *	  add_column_with_default, add_column_with_policy, set_column_default,
 *	  explain_add_column.
 *
 * The column is added the way Django does it, inside the caller's
 * transaction: ALTER TABLE ... ADD COLUMN ... NOT NULL DEFAULT expr, then
 * ALTER COLUMN ... DROP DEFAULT unless the default is kept.  Both are
 * AlterTableStmt parse trees run through ProcessUtility(), so event
 * triggers and other extensions' utility hooks see ordinary ALTER TABLEs.
 * The default goes in as the raw tree of its canonical text, and the
 * statements run under DP_CANONICAL_SEARCH_PATH, so PostgreSQL analyses
 * exactly what was validated; no text of the caller's becomes SQL.
 *
 * PostgreSQL decides between the fast default (attmissingval: no rewrite,
 * no scan) and a rewrite itself; "rewrote" in the audit row is what
 * happened, seen in the relfilenodes, not a prediction.
 *
 * The hard part is the lock.  ALTER TABLE needs ACCESS EXCLUSIVE, and a
 * request waiting in the lock queue blocks every later reader.  So the
 * table and all its descendants are locked first, each attempt in a
 * subtransaction bounded by defaults_policy.lock_timeout, retried up to
 * defaults_policy.lock_retries times with exponential backoff and jitter.
 * Between attempts nothing of ours is queued.  ALTER TABLE then finds the
 * locks already held and does not wait again.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "common/pg_prng.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

/* The table a call works on, checked and (once locked) stable. */
typedef struct TargetTable
{
	Oid			relid;
	char	   *relname;
	char	   *nspname;
	char	   *qualified;		/* schema-qualified, quoted as needed */
	char		relkind;
	List	   *relids;			/* relid and every descendant */
	int			lock_attempts;
} TargetTable;

static void open_target(Oid relid, TargetTable *target);
static void lock_within(Oid relid, TimestampTz start);
static bool try_lock_target(TargetTable *target);
static void lock_target(TargetTable *target);
static List *relfilenodes(List *relids);
static void run_alter(TargetTable *target, AlterTableCmd *cmd,
					  const char *statement);
static char *add_column_statement(TargetTable *target, const char *column,
								  const DefaultCheck *check);
static char *drop_default_statement(TargetTable *target, const char *column);
static Datum add_column(FunctionCallInfo fcinfo, Oid relid, const char *column,
						DefaultCheck *check, bool keep_default,
						bool if_not_exists, const char *policy_name);

/*
 * Check that the caller may alter the table and that it is a kind of table
 * this can work on.  Ownership is checked before any lock is asked for, so
 * that a caller who may not alter the table cannot queue an ACCESS
 * EXCLUSIVE request on it either.
 */
static void
open_target(Oid relid, TargetTable *target)
{
	HeapTuple	tuple;
	Form_pg_class classform;

	memset(target, 0, sizeof(TargetTable));
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	classform = (Form_pg_class) GETSTRUCT(tuple);

	target->relid = relid;
	target->relname = pstrdup(NameStr(classform->relname));
	target->nspname = get_namespace_name(classform->relnamespace);
	target->qualified = quote_qualified_identifier(target->nspname,
												   target->relname);
	target->relkind = classform->relkind;

	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER,
					   get_relkind_objtype(classform->relkind),
					   target->relname);
	if (IsSystemClass(relid, classform))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: \"%s\" is a system catalog",
						target->relname)));
	if (classform->relkind != RELKIND_RELATION &&
		classform->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", target->relname),
				 errdetail("Columns with defaults can be added only to tables and partitioned tables.")));
	if (classform->relispartition)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot add column to a partition"),
				 errdetail("\"%s\" is a partition of another table.", target->relname),
				 errhint("Add the column to the partitioned table: its partitions get it too.")));
	ReleaseSysCache(tuple);
}

/* Sleep for ms milliseconds; a cancel or a dying postmaster wakes us. */
static void
sleep_ms(long ms)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * Lock one relation in ACCESS EXCLUSIVE mode, waiting no longer than what is
 * left of the attempt that began at start: the whole attempt, parent and
 * descendants, is bounded by defaults_policy.lock_timeout, not each lock.
 * The caller has opened a GUC nest level for lock_timeout.
 */
static void
lock_within(Oid relid, TimestampTz start)
{
	long		left;
	char		timeout[32];

	if (ConditionalLockRelationOid(relid, AccessExclusiveLock))
		return;
	left = dp_lock_timeout -
		TimestampDifferenceMilliseconds(start, GetCurrentTimestamp());
	if (left <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("canceling statement due to lock timeout")));
	snprintf(timeout, sizeof(timeout), "%ld", left);
	set_config_option("lock_timeout", timeout, PGC_USERSET,
					  PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	LockRelationOid(relid, AccessExclusiveLock);
}

/* One attempt: lock the table, then its descendants, as they are then. */
static void
lock_attempt(void *arg)
{
	TargetTable *target = (TargetTable *) arg;
	int			nestlevel = NewGUCNestLevel();
	TimestampTz start = GetCurrentTimestamp();
	ListCell   *lc;

	lock_within(target->relid, start);
	target->relids = find_all_inheritors(target->relid, NoLock, NULL);
	foreach(lc, target->relids)
		lock_within(lfirst_oid(lc), start);
	AtEOXact_GUC(true, nestlevel);
}

/*
 * Make one attempt in a subtransaction.  On a lock timeout it and whatever
 * it locked are rolled back and false is returned; on success the locks
 * pass to the caller's transaction.
 */
static bool
try_lock_target(TargetTable *target)
{
	ErrorData  *edata = dp_try_in_subtransaction(lock_attempt, target, true);

	if (edata == NULL)
		return true;
	if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
		ReThrowError(edata);
	return false;
}

/*
 * Take ACCESS EXCLUSIVE on the table and all its descendants with bounded
 * waits (see the file header).  On success the locks belong to the
 * caller's transaction.
 */
static void
lock_target(TargetTable *target)
{
	int			attempts = dp_lock_retries + 1;

	for (int attempt = 1;; attempt++)
	{
		target->lock_attempts = attempt;
		if (try_lock_target(target))
			break;
		if (attempt >= attempts)
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg_plural("could not lock table \"%s\" after %d attempt",
								   "could not lock table \"%s\" after %d attempts",
								   attempts, target->relname, attempts),
					 errdetail("Each attempt waited at most %d ms for an ACCESS EXCLUSIVE lock on the table and its partitions or children.",
							   dp_lock_timeout),
					 errhint("Another transaction holds a lock on the table. Try again later, or raise defaults_policy.lock_timeout or defaults_policy.lock_retries.")));

		/* backoff: 50 ms doubling per attempt, at most 5 s, jitter +-50% */
		{
			double		base = Min(50.0 * (1 << Min(attempt - 1, 10)), 5000.0);

			sleep_ms((long) (base * (0.5 + pg_prng_double(&pg_global_prng_state))));
		}
	}

	/* the table may have been dropped or changed while we waited */
	{
		List	   *relids = target->relids;
		int			lock_attempts = target->lock_attempts;

		open_target(target->relid, target);
		target->relids = relids;
		target->lock_attempts = lock_attempts;
	}
}

/* The relfilenode of each relation that has storage, in relids' order. */
static List *
relfilenodes(List *relids)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, relids)
	{
		HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));
		Oid			filenode = InvalidOid;

		if (HeapTupleIsValid(tuple))
		{
			if (((Form_pg_class) GETSTRUCT(tuple))->relkind == RELKIND_RELATION)
				filenode = ((Form_pg_class) GETSTRUCT(tuple))->relfilenode;
			ReleaseSysCache(tuple);
		}
		result = lappend_oid(result, filenode);
	}
	return result;
}

/*
 * Run one ALTER TABLE subcommand on the locked table through the utility
 * path, as an ordinary top-level ALTER TABLE statement would run.
 * statement is its text, for event triggers and logging hooks only.
 */
static void
run_alter(TargetTable *target, AlterTableCmd *cmd, const char *statement)
{
	AlterTableStmt *stmt = makeNode(AlterTableStmt);
	PlannedStmt *pstmt = makeNode(PlannedStmt);
	int			nestlevel;

	stmt->relation = makeRangeVar(target->nspname, target->relname, -1);
	stmt->cmds = list_make1(cmd);
	stmt->objtype = OBJECT_TABLE;
	stmt->missing_ok = false;

	/* the name must still lead to the table we locked */
	if (RangeVarGetRelid(stmt->relation, NoLock, false) != target->relid)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" was renamed or replaced concurrently",
						target->relname)));

	pstmt->commandType = CMD_UTILITY;
	pstmt->canSetTag = false;
	pstmt->utilityStmt = (Node *) stmt;
	pstmt->stmt_location = -1;
	pstmt->stmt_len = 0;

	nestlevel = dp_enter_search_path(true);
	ProcessUtility(pstmt, statement, false, PROCESS_UTILITY_QUERY, NULL, NULL,
				   None_Receiver, NULL);
	AtEOXact_GUC(true, nestlevel);
	CommandCounterIncrement();
}

/* The statements as text, for explain_add_column and the audit. */
static char *
add_column_statement(TargetTable *target, const char *column,
					 const DefaultCheck *check)
{
	return psprintf("ALTER TABLE %s ADD COLUMN %s %s NOT NULL DEFAULT %s",
					target->qualified, quote_identifier(column),
					check->type_name, check->normalized);
}

static char *
drop_default_statement(TargetTable *target, const char *column)
{
	return psprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT",
					target->qualified, quote_identifier(column));
}

static const char *
required_text_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	dp_require_arg(fcinfo, argno, what);
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

static const char *
column_name_arg(FunctionCallInfo fcinfo, int argno)
{
	dp_require_arg(fcinfo, argno, "column name");
	if (NameStr(*PG_GETARG_NAME(argno))[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column name must not be empty")));
	return pstrdup(NameStr(*PG_GETARG_NAME(argno)));
}

static Oid
table_arg(FunctionCallInfo fcinfo)
{
	dp_require_arg(fcinfo, 0, "table");
	return PG_GETARG_OID(0);
}

/*
 * The column as it exists, or false.  For if_not_exists: is it already the
 * column we would add?
 */
static bool
existing_column(Oid relid, const char *column, Oid *typid, int32 *typmod,
				bool *notnull)
{
	HeapTuple	tuple = SearchSysCacheAttName(relid, column);
	Form_pg_attribute att;

	if (!HeapTupleIsValid(tuple))
		return false;
	att = (Form_pg_attribute) GETSTRUCT(tuple);
	*typid = att->atttypid;
	*typmod = att->atttypmod;
	*notnull = att->attnotnull;
	ReleaseSysCache(tuple);
	return true;
}

/*
 * The common part of add_column_with_default and add_column_with_policy.
 * check is a valid verdict; returns the audit row.
 */
static Datum
add_column(FunctionCallInfo fcinfo, Oid relid, const char *column,
		   DefaultCheck *check, bool keep_default, bool if_not_exists,
		   const char *policy_name)
{
	TargetTable target;
	DpAuditEvent event = {0};
	StringInfoData detail;
	Oid			typid;
	int32		typmod;
	bool		notnull;
	List	   *before;
	List	   *after;
	int			rewritten = 0;
	int			storage = 0;
	ListCell   *lc1;
	ListCell   *lc2;

	open_target(relid, &target);
	if (!check->valid)
		dp_raise_invalid_column_default(check, column, target.relname);
	lock_target(&target);

	event.action = "add_column";
	event.table_name = target.qualified;
	event.column_name = column;
	event.column_type = check->type_name;
	event.expression = check->normalized;
	event.kind = dp_kind_name(check->kind);
	event.policy_name = policy_name;
	event.kept_default = keep_default ? 1 : 0;
	dp_json_begin(&detail);

	if (existing_column(relid, column, &typid, &typmod, &notnull))
	{
		if (!if_not_exists)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" already exists",
							column, target.relname)));
		if (typid != check->typid || typmod != check->typmod || !notnull)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" already exists with a different definition",
							column, target.relname),
					 errdetail("It is %s%s; the column to add is %s NOT NULL.",
							   format_type_with_typemod(typid, typmod),
							   notnull ? " NOT NULL" : ", nullable",
							   format_type_with_typemod(check->typid, check->typmod))));

		/* the column is already what was asked for: audit the no-op */
		event.kept_default = -1;
		event.rewrote = 0;
		dp_json_add_text(&detail, "skipped", "column already exists");
		dp_json_add_raw(&detail, "lock_attempts", psprintf("%d", target.lock_attempts));
		event.detail = dp_json_end(&detail);
		return dp_audit(&event);
	}

	before = relfilenodes(target.relids);
	{
		ColumnDef  *coldef = makeColumnDef(column, check->typid, check->typmod,
										   get_typcollation(check->typid));
		Constraint *def = makeNode(Constraint);
		Constraint *notnullcon = makeNode(Constraint);
		AlterTableCmd *cmd = makeNode(AlterTableCmd);

		def->contype = CONSTR_DEFAULT;
		def->raw_expr = dp_parse_expression(check->normalized);
		def->location = -1;
		notnullcon->contype = CONSTR_NOTNULL;
		notnullcon->location = -1;
		coldef->constraints = list_make2(def, notnullcon);
		coldef->location = -1;

		cmd->subtype = AT_AddColumn;
		cmd->def = (Node *) coldef;
		run_alter(&target, cmd, add_column_statement(&target, column, check));
	}
	if (!keep_default)
	{
		AlterTableCmd *cmd = makeNode(AlterTableCmd);

		cmd->subtype = AT_ColumnDefault;
		cmd->name = pstrdup(column);
		cmd->def = NULL;
		run_alter(&target, cmd, drop_default_statement(&target, column));
	}
	after = relfilenodes(target.relids);

	forboth(lc1, before, lc2, after)
	{
		if (OidIsValid(lfirst_oid(lc1)))
			storage++;
		if (lfirst_oid(lc1) != lfirst_oid(lc2))
			rewritten++;
	}
	event.rewrote = rewritten > 0 ? 1 : 0;
	dp_json_add_raw(&detail, "tables", psprintf("%d", storage));
	dp_json_add_raw(&detail, "tables_rewritten", psprintf("%d", rewritten));
	dp_json_add_raw(&detail, "lock_attempts", psprintf("%d", target.lock_attempts));
	event.detail = dp_json_end(&detail);
	return dp_audit(&event);
}

/*
 * add_column_with_default(table_name regclass, column_name name,
 *						   column_type text, expression text,
 *						   keep_default boolean DEFAULT false,
 *						   if_not_exists boolean DEFAULT false)
 *	 RETURNS default_policy_audit
 */
PG_FUNCTION_INFO_V1(add_column_with_default);
Datum
add_column_with_default(PG_FUNCTION_ARGS)
{
	Oid			relid = table_arg(fcinfo);
	const char *column = column_name_arg(fcinfo, 1);
	const char *column_type = required_text_arg(fcinfo, 2, "column type");
	const char *expression = required_text_arg(fcinfo, 3, "default expression");
	DefaultCheck check;

	dp_check_default(expression, column_type, 0, InvalidOid, &check);
	PG_RETURN_DATUM(add_column(fcinfo, relid, column, &check,
							   PG_ARGISNULL(4) ? false : PG_GETARG_BOOL(4),
							   PG_ARGISNULL(5) ? false : PG_GETARG_BOOL(5),
							   NULL));
}

/*
 * add_column_with_policy(table_name regclass, column_name name,
 *						  policy_name text, if_not_exists boolean DEFAULT false)
 *	 RETURNS default_policy_audit
 */
PG_FUNCTION_INFO_V1(add_column_with_policy);
Datum
add_column_with_policy(PG_FUNCTION_ARGS)
{
	Oid			relid = table_arg(fcinfo);
	const char *column = column_name_arg(fcinfo, 1);
	const char *policy = required_text_arg(fcinfo, 2, "policy name");
	DefaultCheck check;
	bool		keep_default;

	dp_policy_check(policy, &check, &keep_default);
	PG_RETURN_DATUM(add_column(fcinfo, relid, column, &check, keep_default,
							   PG_ARGISNULL(3) ? false : PG_GETARG_BOOL(3),
							   policy));
}

/*
 * set_column_default(table_name regclass, column_name name, expression text)
 *	 RETURNS default_policy_audit
 *
 * Validates the expression against the column's type and sets it as the
 * column's DEFAULT.  Setting a default never rewrites the table.
 */
PG_FUNCTION_INFO_V1(set_column_default);
Datum
set_column_default(PG_FUNCTION_ARGS)
{
	Oid			relid = table_arg(fcinfo);
	const char *column = column_name_arg(fcinfo, 1);
	const char *expression = required_text_arg(fcinfo, 2, "default expression");
	TargetTable target;
	DefaultCheck check;
	DpAuditEvent event = {0};
	StringInfoData detail;
	Oid			typid;
	int32		typmod;
	bool		notnull;
	AlterTableCmd *cmd;
	char	   *column_type;

	open_target(relid, &target);
	lock_target(&target);

	if (!existing_column(relid, column, &typid, &typmod, &notnull))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						column, target.relname)));
	if (get_attnum(relid, column) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot alter system column \"%s\"", column)));

	/* validate against the column's own type, named canonically */
	{
		int			nestlevel = dp_enter_search_path(true);

		column_type = format_type_with_typemod(typid, typmod);
		AtEOXact_GUC(true, nestlevel);
	}
	dp_check_default(expression, column_type, DP_CANONICAL_TYPE, InvalidOid,
					 &check);
	if (!check.valid)
		dp_raise_invalid_column_default(&check, column, target.relname);

	cmd = makeNode(AlterTableCmd);
	cmd->subtype = AT_ColumnDefault;
	cmd->name = pstrdup(column);
	cmd->def = dp_parse_expression(check.normalized);
	run_alter(&target, cmd,
			  psprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
					   target.qualified, quote_identifier(column),
					   check.normalized));

	event.action = "set_default";
	event.table_name = target.qualified;
	event.column_name = column;
	event.column_type = check.type_name;
	event.expression = check.normalized;
	event.kind = dp_kind_name(check.kind);
	event.kept_default = 1;
	event.rewrote = 0;
	dp_json_begin(&detail);
	dp_json_add_raw(&detail, "lock_attempts", psprintf("%d", target.lock_attempts));
	event.detail = dp_json_end(&detail);
	PG_RETURN_DATUM(dp_audit(&event));
}

/*
 * explain_add_column(table_name regclass, column_name name, column_type text,
 *					  expression text, keep_default boolean DEFAULT false)
 *	 RETURNS TABLE(step int, statement text, lock_mode text, rewrites boolean,
 *				   note text)
 *
 * The dry run: what add_column_with_default would do, changing nothing and
 * taking no lock beyond what reading the catalogs takes.
 */
PG_FUNCTION_INFO_V1(explain_add_column);
Datum
explain_add_column(PG_FUNCTION_ARGS)
{
	Oid			relid = table_arg(fcinfo);
	const char *column = column_name_arg(fcinfo, 1);
	const char *column_type = required_text_arg(fcinfo, 2, "column type");
	const char *expression = required_text_arg(fcinfo, 3, "default expression");
	bool		keep_default = PG_ARGISNULL(4) ? false : PG_GETARG_BOOL(4);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TargetTable target;
	DefaultCheck check;
	Oid			typid;
	int32		typmod;
	bool		notnull;
	double		rows = 0;
	bool		rows_known = true;
	char	   *rows_text;
	int			tables = 0;
	List	   *relids;
	ListCell   *lc;
	Datum		values[5];
	bool		nulls[5] = {0};

	open_target(relid, &target);
	dp_check_default(expression, column_type, 0, InvalidOid, &check);
	if (!check.valid)
		dp_raise_invalid_column_default(&check, column, target.relname);
	if (existing_column(relid, column, &typid, &typmod, &notnull))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" already exists",
						column, target.relname)));

	relids = find_all_inheritors(relid, NoLock, NULL);
	foreach(lc, relids)
	{
		HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));

		if (!HeapTupleIsValid(tuple))
			continue;
		if (((Form_pg_class) GETSTRUCT(tuple))->relkind == RELKIND_RELATION)
		{
			float4		reltuples = ((Form_pg_class) GETSTRUCT(tuple))->reltuples;

			tables++;
			if (reltuples < 0)
				rows_known = false;
			rows += Max(reltuples, 0);
		}
		ReleaseSysCache(tuple);
	}

	rows_text = rows_known ? psprintf("about %.0f rows", rows) :
		pstrdup("rows unknown until ANALYZE");

	InitMaterializedSRF(fcinfo, 0);

	values[0] = Int32GetDatum(1);
	values[1] = CStringGetTextDatum(psprintf("LOCK TABLE %s IN ACCESS EXCLUSIVE MODE",
											 target.qualified));
	values[2] = CStringGetTextDatum("ACCESS EXCLUSIVE");
	values[3] = BoolGetDatum(false);
	values[4] = CStringGetTextDatum(psprintf("%s; at most %d attempt%s of %d ms each (defaults_policy.lock_retries, defaults_policy.lock_timeout), with backoff between them",
											 list_length(relids) == 1 ? "the table alone" :
											 psprintf("the table and its %d partitions or children",
													  list_length(relids) - 1),
											 dp_lock_retries + 1,
											 dp_lock_retries == 0 ? "" : "s",
											 dp_lock_timeout));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

	values[0] = Int32GetDatum(2);
	values[1] = CStringGetTextDatum(add_column_statement(&target, column, &check));
	values[3] = BoolGetDatum(check.rewrites);
	values[4] = CStringGetTextDatum(check.rewrites ?
									psprintf("rewrites %d table%s, %s: each existing row gets its own value",
											 tables, tables == 1 ? "" : "s", rows_text) :
									psprintf("fast default: the value is stored once in the catalog; no rewrite and no scan of %d table%s, %s",
											 tables, tables == 1 ? "" : "s", rows_text));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

	values[0] = Int32GetDatum(3);
	if (keep_default)
	{
		nulls[1] = nulls[2] = nulls[3] = true;
		values[4] = CStringGetTextDatum("the DEFAULT is kept for later inserts");
	}
	else
	{
		values[1] = CStringGetTextDatum(drop_default_statement(&target, column));
		values[3] = BoolGetDatum(false);
		values[4] = CStringGetTextDatum("catalog only: existing rows keep their values; later inserts must give one");
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

	return (Datum) 0;
}
