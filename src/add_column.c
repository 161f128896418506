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
 * triggers and other extensions' utility hooks see ordinary ALTER TABLEs,
 * under the caller's search_path as a plain ALTER TABLE would run.  The
 * default goes in as the raw tree that was validated, never as text.
 *
 * What is installed must be what was validated.  PostgreSQL analyses the
 * raw tree again, under the caller's search_path (and, for a policy's
 * canonical text, under the settings that text was written for), so a name
 * may resolve to something else: a user's public.now() ahead of pg_catalog,
 * or an event trigger that changed search_path.  After every ALTER that
 * stores a default, the stored tree (pg_attrdef.adbin) of the table and of
 * each descendant is compared with the validated one; any difference aborts
 * the call, and with it the ALTER.
 *
 * PostgreSQL decides between the fast default (attmissingval: no rewrite,
 * no scan) and a rewrite itself; "rewrote" in the audit row is what
 * happened, seen in the relfilenodes, not a prediction.
 *
 * Everything that can be refused is refused before any lock is asked for:
 * ownership, the kind of table, a system column name, an invalid default,
 * an existing column (a foreign table or a clashing column among the
 * descendants too).  The locks are then taken with bounded waits (lock.c)
 * and the checks that depend on the catalog are made again under them.  The
 * if_not_exists no-op takes only ACCESS SHARE.
 *
 * A Citus table (citus.c) changes three things.  The ALTERs run inside
 * each lock attempt, since the locks on the shards are taken on the
 * workers when Citus replays them there, and their waits are bounded too.
 * The default goes to ALTER TABLE as its canonical text, read under the
 * canonical settings: Citus writes the analysed default out again for the
 * workers, and only text written under those settings means the same
 * there.  And a stable default (now()) is evaluated here, once: ADD COLUMN
 * stores that value on every shard and copy, and the expression itself
 * becomes the DEFAULT afterwards when it is kept; each worker would
 * otherwise compute its own now().
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/heap.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

/* What runs under the locks of lock_target_and_run(). */
typedef struct LockedWork
{
	TargetTable *target;
	int			flags;			/* dp_open_target()'s */
	void		(*work) (void *arg);
	void	   *arg;
} LockedWork;

/* dp_add_column()'s work under its locks, and what it did. */
typedef struct AddColumnWork
{
	TargetTable *target;
	const char *column;
	DefaultCheck *check;
	bool		keep_default;
	bool		if_not_exists;

	bool		no_op;			/* the column was already there */
	int			storage;		/* tables with storage that got the column */
	int			rewritten;		/* of those, the ones rewritten */
	DefaultCheck *stored;		/* the default ADD COLUMN stored */
	char	   *coordinator_value;	/* a stable default, evaluated once */
} AddColumnWork;

/* set_column_default()'s work under its locks. */
typedef struct SetDefaultWork
{
	TargetTable *target;
	const char *column;
	DefaultCheck *check;
	Oid			typid;
	int32		typmod;
} SetDefaultWork;

static void read_citus(TargetTable *target);
static void lock_target_and_run(TargetTable *target, LOCKMODE mode, int flags,
								void (*work) (void *arg), void *arg);
static void check_descendants(TargetTable *target, const char *column,
							  List *relids);
static List *relfilenodes(List *relids);
static Oid	largest_table(List *relids, int64 *size);
static void refuse_large_rewrite(List *relids);
static void refuse_large_citus_rewrite(TargetTable *target);
static char *add_column_statement(TargetTable *target, const char *column,
								  const DefaultCheck *check);
static char *drop_default_statement(TargetTable *target, const char *column);
static char *set_default_statement(TargetTable *target, const char *column,
								   const DefaultCheck *check);

/*
 * Check that the caller may alter the table and that it is a kind of table
 * this can work on.  Ownership is checked before any lock is asked for, so
 * that a caller who may not alter the table cannot queue an ACCESS
 * EXCLUSIVE request on it either.  A partition is refused unless flags
 * has TARGET_PARTITION_OK: a column is added to the partitioned table.
 */
void
dp_open_target(Oid relid, int flags, TargetTable *target)
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
	target->owner = classform->relowner;

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
	if (classform->relispartition && !(flags & TARGET_PARTITION_OK))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot add column to a partition"),
				 errdetail("\"%s\" is a partition of another table.", target->relname),
				 errhint("Add the column to the partitioned table: its partitions get it too.")));
	ReleaseSysCache(tuple);
}

/*
 * Whether the table is a Citus table, and what Citus's metadata says of it
 * and of its partitions or children (as they are now, or as locked).
 */
static void
read_citus(TargetTable *target)
{
	List	   *relids = target->relids;

	if (relids == NIL)
		relids = dp_table_and_descendants(target->relid);
	(void) dp_citus_table(target->relid, relids, &target->citus);
}

/*
 * Under the locks: check the table again (it may have been dropped or
 * changed while we waited), then run the caller's work.
 */
static void
under_locks(DpLockTarget *lock, void *arg)
{
	LockedWork *locked = (LockedWork *) arg;
	TargetTable *target = locked->target;
	DpCitusTable citus = target->citus;

	dp_open_target(lock->relid, locked->flags, target);
	target->citus = citus;
	target->relids = lock->relids;
	if (locked->work != NULL)
		locked->work(locked->arg);
}

/*
 * Take the locks the ALTERs and the audit row need, with bounded waits
 * (lock.c): mode on the table, and on all its descendants with
 * ACCESS EXCLUSIVE; then run work(arg) under them.  The work of a Citus
 * table runs inside the lock attempts, where the waits for its shards on
 * the workers are bounded too.
 */
static void
lock_target_and_run(TargetTable *target, LOCKMODE mode, int flags,
					void (*work) (void *arg), void *arg)
{
	DpLockTarget lock = {0};
	LockedWork	locked;

	locked.target = target;
	locked.flags = flags;
	locked.work = work;
	locked.arg = arg;

	lock.relid = target->relid;
	lock.relname = target->relname;
	lock.mode = mode;
	lock.descendants = (mode == AccessExclusiveLock);
	lock.audit = true;
	lock.remote = (mode == AccessExclusiveLock &&
				   target->citus.type != DP_CITUS_NONE);
	lock.work = under_locks;
	lock.work_arg = &locked;
	dp_lock_table(&lock);
	target->lock_attempts = lock.attempts;
}

/*
 * Take the locks with bounded waits, and check the table again under them;
 * the caller then runs its ALTERs.  For a Citus table that leaves the
 * shards' lock waits unbounded: its ALTERs belong in the work of
 * lock_target_and_run().
 */
void
dp_lock_target(TargetTable *target, LOCKMODE mode, int flags)
{
	lock_target_and_run(target, mode, flags, NULL, NULL);
}

/* A column to add may not have a system column's name. */
void
dp_refuse_system_column(const char *column)
{
	if (SystemAttributeByName(column) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("column name \"%s\" conflicts with a system column name",
						column)));
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
 * The largest table among relids that has storage, and its size; InvalidOid
 * if none has.
 */
static Oid
largest_table(List *relids, int64 *size)
{
	Oid			largest = InvalidOid;
	ListCell   *lc;

	*size = -1;
	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);
		int64		relsize;

		if (get_rel_relkind(relid) != RELKIND_RELATION)
			continue;
		relsize = DatumGetInt64(DirectFunctionCall1(pg_total_relation_size,
													ObjectIdGetDatum(relid)));
		if (relsize > *size)
		{
			*size = relsize;
			largest = relid;
		}
	}
	return largest;
}

/*
 * A rewrite of a table larger than defaults_policy.max_rewrite_size is
 * refused before the ALTER starts, as a plain ALTER TABLE is at its
 * table_rewrite event (enforce.c).
 */
static void
refuse_large_rewrite(List *relids)
{
	int64		size;
	Oid			largest;

	if (dp_max_rewrite_size < 0)
		return;
	largest = largest_table(relids, &size);
	if (OidIsValid(largest))
		dp_refuse_rewrite(largest, true);
}

/*
 * The same for a Citus table, whose rows are in its shards: measured on
 * the workers, before the call does any DDL there.  Citus cannot measure
 * them in a transaction that has modified several shards; then the limit
 * cannot be checked, and the rewrite is refused too.
 */
static void
refuse_large_citus_rewrite(TargetTable *target)
{
	int64		size;

	size = dp_citus_size(dp_table_and_descendants(target->relid));
	if (size < 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot check the size of table \"%s\" against defaults_policy.max_rewrite_size",
						target->relname),
				 errdetail("Citus does not measure its shards in a transaction that has modified several of them."),
				 errhint("Add the column in a transaction of its own, or set defaults_policy.max_rewrite_size to -1 for this transaction.")));
	dp_refuse_rewrite_size(target->relname, size, true);
}

/*
 * The raw tree to hand to ALTER TABLE: the one that was validated.  A
 * verdict on a stored tree has none; then its canonical text is parsed
 * again, and is canonical input.
 */
Node *
dp_default_raw_tree(const DefaultCheck *check)
{
	if (check->raw != NULL)
		return copyObject(check->raw);
	return dp_parse_expression(check->normalized);
}

/*
 * Run one ALTER TABLE subcommand on the locked table through the utility
 * path, as an ordinary top-level ALTER TABLE statement would run: under the
 * caller's search_path.  statement is its text, for event triggers and
 * logging hooks only.  check is the verdict on the default the command
 * stores, if any: canonical text is analysed under the settings it was
 * written for (literals mean what was validated), names are not.
 */
void
dp_run_alter(TargetTable *target, AlterTableCmd *cmd, const char *statement,
		  const DefaultCheck *check)
{
	AlterTableStmt *stmt = makeNode(AlterTableStmt);
	int			nestlevel = -1;
	Node	   *saved_own;

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

	if (check != NULL && (check->canonical_input || check->raw == NULL))
	{
		nestlevel = dp_enter_canonical_input(false);
		/* what Citus writes out for the workers: floats exactly */
		if (target->citus.type != DP_CITUS_NONE)
			set_config_option("extra_float_digits", "3", PGC_USERSET,
							  PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	}
	/* validated and audited here: enforcement passes it (enforce.c) */
	dp_enforce_own_begin((Node *) stmt, &saved_own);
	PG_TRY();
	{
		dp_run_utility((Node *) stmt, statement);
	}
	PG_FINALLY();
	{
		dp_enforce_own_end(saved_own);
	}
	PG_END_TRY();
	if (nestlevel >= 0)
		AtEOXact_GUC(true, nestlevel);
}

/*
 * Run a utility statement built as a tree through ProcessUtility, as a
 * top-level statement would run, and make its effects visible.  text is
 * its text, for event triggers and logging hooks only.
 */
void
dp_run_utility(Node *stmt, const char *text)
{
	PlannedStmt *pstmt = makeNode(PlannedStmt);

	pstmt->commandType = CMD_UTILITY;
	pstmt->canSetTag = false;
	pstmt->utilityStmt = stmt;
	pstmt->stmt_location = -1;
	pstmt->stmt_len = 0;
	ProcessUtility(pstmt, text, false, PROCESS_UTILITY_QUERY, NULL, NULL,
				   None_Receiver, NULL);
	CommandCounterIncrement();
}

/* The stored default of one column, or NULL if it has none. */
static Node *
stored_default(Oid relid, AttrNumber attnum)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData keys[2];
	HeapTuple	tuple;
	Node	   *result = NULL;

	ScanKeyInit(&keys[0], Anum_pg_attrdef_adrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&keys[1], Anum_pg_attrdef_adnum, BTEqualStrategyNumber,
				F_INT2EQ, Int16GetDatum(attnum));
	rel = table_open(AttrDefaultRelationId, AccessShareLock);
	scan = systable_beginscan(rel, AttrDefaultIndexId, true, NULL, 2, keys);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;
		Datum		adbin = heap_getattr(tuple, Anum_pg_attrdef_adbin,
										 RelationGetDescr(rel), &isnull);

		if (!isnull)
			result = stringToNode(TextDatumGetCString(adbin));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * After an ALTER that stored a default: is the stored tree, on the table
 * and on every descendant that has one, the tree that was validated?
 * Locations aside (equal() ignores them), it must be the same node for
 * node: the same functions, operators, types and constants.
 */
void
dp_check_stored_default(TargetTable *target, const char *column,
					 const DefaultCheck *check)
{
	ListCell   *lc;

	foreach(lc, target->relids)
	{
		Oid			relid = lfirst_oid(lc);
		AttrNumber	attnum = get_attnum(relid, column);
		Node	   *stored = NULL;

		if (attnum != InvalidAttrNumber)
			stored = stored_default(relid, attnum);
		if (stored == NULL && relid != target->relid)
			continue;
		if (stored == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("no default was stored for column \"%s\" of table \"%s\"",
							column, target->relname),
					 errdetail("The default was removed while ALTER TABLE ran, for example by an event trigger.")));
		if (!equal(stored, check->expr))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("default stored for column \"%s\" of table \"%s\" is not the default that was validated",
							column, get_rel_name(relid)),
					 errdetail("ALTER TABLE analysed the default again, under the current search_path, and the result differs from what was validated: a name in it now refers to another object."),
					 errhint("Put pg_catalog first in search_path, or remove the objects that take the place of the intended ones.")));
	}
}

/*
 * ALTER COLUMN ... SET DEFAULT with the validated default, and the check
 * that what was stored is what was validated; or, check NULL, DROP DEFAULT.
 */
void
dp_alter_column_default(TargetTable *target, const char *column,
						const DefaultCheck *check)
{
	AlterTableCmd *cmd = makeNode(AlterTableCmd);

	cmd->subtype = AT_ColumnDefault;
	cmd->name = pstrdup(column);
	if (check == NULL)
	{
		dp_run_alter(target, cmd, drop_default_statement(target, column), NULL);
		return;
	}
	cmd->def = dp_default_raw_tree(check);
	dp_run_alter(target, cmd, set_default_statement(target, column, check),
				 check);
	dp_check_stored_default(target, column, check);
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

static char *
set_default_statement(TargetTable *target, const char *column,
					  const DefaultCheck *check)
{
	return psprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
					target->qualified, quote_identifier(column),
					check->normalized);
}

const char *
dp_required_text_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	dp_require_arg(fcinfo, argno, what);
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

const char *
dp_column_name_arg(FunctionCallInfo fcinfo, int argno)
{
	dp_require_arg(fcinfo, argno, "column name");
	if (NameStr(*PG_GETARG_NAME(argno))[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column name must not be empty")));
	return pstrdup(NameStr(*PG_GETARG_NAME(argno)));
}

Oid
dp_table_arg(FunctionCallInfo fcinfo)
{
	dp_require_arg(fcinfo, 0, "table");
	return PG_GETARG_OID(0);
}

/*
 * The type of a relation's column, by name, and whether it is NOT NULL
 * (notnull may be NULL); false if the relation has no such column, or it
 * is dropped or a system column.
 */
bool
dp_existing_column(Oid relid, const char *column, Oid *typid, int32 *typmod,
				   bool *notnull)
{
	HeapTuple	tuple = SearchSysCacheAttName(relid, column);
	Form_pg_attribute att;
	bool		found;

	if (!HeapTupleIsValid(tuple))
		return false;
	att = (Form_pg_attribute) GETSTRUCT(tuple);
	found = att->attnum > 0;
	if (found)
	{
		*typid = att->atttypid;
		*typmod = att->atttypmod;
		if (notnull)
			*notnull = att->attnotnull;
	}
	ReleaseSysCache(tuple);
	return found;
}

/*
 * Does the column already exist on the table?  Without if_not_exists that
 * is an error; with it, a column of the same type and NOT NULL is the no-op
 * (true), any other is an error.
 */
bool
dp_column_is_no_op(TargetTable *target, const char *column,
				const DefaultCheck *check, bool if_not_exists)
{
	Oid			typid;
	int32		typmod;
	bool		notnull;

	if (!dp_existing_column(target->relid, column, &typid, &typmod, &notnull))
		return false;
	if (!if_not_exists)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" already exists",
						column, target->relname)));
	if (typid != check->typid || typmod != check->typmod || !notnull)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" already exists with a different definition",
						column, target->relname),
				 notnull ?
				 errdetail("It is %s NOT NULL; the column to add is %s NOT NULL.",
						   format_type_with_typemod(typid, typmod),
						   format_type_with_typemod(check->typid, check->typmod)) :
				 errdetail("It is %s and nullable; the column to add is %s NOT NULL.",
						   format_type_with_typemod(typid, typmod),
						   format_type_with_typemod(check->typid, check->typmod))));
	return true;
}

/*
 * The partitions and children that would get the column (relids, the table
 * itself first): none may be a foreign table, whose rows live elsewhere and
 * would not get it, and none may have a column of that name already, which
 * ALTER TABLE would merge with the new one, leaving its rows without the
 * default under a NOT NULL parent.
 */
static void
check_descendants(TargetTable *target, const char *column, List *relids)
{
	ListCell   *lc;

	for_each_from(lc, relids, 1)
	{
		Oid			relid = lfirst_oid(lc);
		char	   *relname = get_rel_name(relid);
		Oid			typid;
		int32		typmod;

		if (relname == NULL)
			continue;			/* dropped meanwhile */
		if (get_rel_relkind(relid) == RELKIND_FOREIGN_TABLE)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("cannot add column to table \"%s\"", target->relname),
					 errdetail("Its partition or child \"%s\" is a foreign table, whose rows are stored outside the database and would not get the column.",
							   relname)));
		if (dp_existing_column(relid, column, &typid, &typmod, NULL))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" already exists",
							column, relname),
					 errdetail("\"%s\" is a partition or child of \"%s\". ALTER TABLE would merge the new column with the existing one, whose rows would not get the default.",
							   relname, target->relname)));
	}
}

/* Audit the no-op of if_not_exists: the column is already what was asked. */
static Datum
audit_no_op(TargetTable *target, DpAuditEvent *event, StringInfo detail)
{
	event->kept_default = -1;
	event->rewrote = 0;
	dp_json_add_text(detail, "skipped", "column already exists");
	dp_json_add_raw(detail, "lock_attempts",
					psprintf("%d", target->lock_attempts));
	event->detail = dp_json_end(detail);
	return dp_audit(event);
}

/*
 * The verdict to hand a Citus table's ALTER: the same default, read again
 * from its canonical text (dp_run_alter() reads it under the canonical
 * settings), so that what Citus writes out for the workers means there
 * what it means here.
 */
static DefaultCheck *
canonical_default(const DefaultCheck *check)
{
	DefaultCheck *canonical = palloc(sizeof(DefaultCheck));

	*canonical = *check;
	canonical->raw = NULL;
	return canonical;
}

/*
 * A stable default on a Citus table, evaluated here, once, as the caller
 * (as ALTER TABLE evaluates a default): the verdict on its value as a
 * literal, which every shard and every copy then stores.  *value is that
 * literal, for the audit.
 */
static DefaultCheck *
coordinator_default(TargetTable *target, const char *column,
					const DefaultCheck *check, char **value)
{
	DefaultCheck *constant = palloc(sizeof(DefaultCheck));
	Oid			typid = exprType(check->expr);
	int16		typlen;
	bool		typbyval;
	EState	   *estate;
	ExprState  *state;
	Datum		datum;
	bool		isnull;
	Const	   *literal;
	char	   *type_name;
	char	   *text;

	get_typlenbyval(typid, &typlen, &typbyval);
	estate = CreateExecutorState();
	state = ExecPrepareExpr((Expr *) copyObject(check->expr), estate);
	datum = ExecEvalExpr(state, GetPerTupleExprContext(estate), &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("column \"%s\" of relation \"%s\" contains null values",
						column, target->relname),
				 errdetail("The default evaluates to null.")));
	literal = makeConst(typid, exprTypmod(check->expr), exprCollation(check->expr),
						typlen, datumCopy(datum, typbyval, typlen), false, typbyval);
	FreeExecutorState(estate);

	text = dp_canonical_text((Node *) literal, check->typid, check->typmod,
							 &type_name);
	dp_check_default(text, check->type_name, DP_CANONICAL, target->owner,
					 constant);
	if (!constant->valid)
		dp_raise_invalid_column_default(constant, column, target->relname);
	*value = constant->normalized;
	return constant;
}

/*
 * dp_add_column()'s work, under the locks: the checks that depend on the
 * catalog, made again, then ADD COLUMN and DROP (or, for a value evaluated
 * here, SET) DEFAULT.
 */
static void
add_column_locked(void *arg)
{
	AddColumnWork *work = (AddColumnWork *) arg;
	TargetTable *target = work->target;
	const char *column = work->column;
	DefaultCheck *check = work->check;
	DefaultCheck *stored = check;
	bool		citus = target->citus.type != DP_CITUS_NONE;
	List	   *before;
	List	   *after;
	ListCell   *lc1;
	ListCell   *lc2;

	dp_recheck_safety(check);
	if (dp_column_is_no_op(target, column, check, work->if_not_exists))
	{
		work->no_op = true;
		return;
	}
	check_descendants(target, column, target->relids);
	if (check->rewrites && !citus)
		refuse_large_rewrite(target->relids);

	if (citus && dp_citus_evaluates_once(check))
		stored = coordinator_default(target, column, check,
									 &work->coordinator_value);
	else if (citus)
		stored = canonical_default(check);
	work->stored = stored;

	before = relfilenodes(target->relids);
	{
		ColumnDef  *coldef = makeColumnDef(column, check->typid, check->typmod,
										   get_typcollation(check->typid));
		Constraint *def = makeNode(Constraint);
		Constraint *notnullcon = makeNode(Constraint);
		AlterTableCmd *cmd = makeNode(AlterTableCmd);

		def->contype = CONSTR_DEFAULT;
		def->raw_expr = dp_default_raw_tree(stored);
		def->location = -1;
		notnullcon->contype = CONSTR_NOTNULL;
		notnullcon->location = -1;
		coldef->constraints = list_make2(def, notnullcon);
		coldef->location = -1;

		cmd->subtype = AT_AddColumn;
		cmd->def = (Node *) coldef;
		dp_run_alter(target, cmd, add_column_statement(target, column, stored),
				  stored);
		dp_check_stored_default(target, column, stored);
	}
	if (work->keep_default && work->coordinator_value != NULL)
	{
		/* the value is in the rows; the expression is the DEFAULT */
		dp_alter_column_default(target, column, canonical_default(check));
	}
	else if (!work->keep_default)
		dp_alter_column_default(target, column, NULL);
	after = relfilenodes(target->relids);

	forboth(lc1, before, lc2, after)
	{
		if (OidIsValid(lfirst_oid(lc1)))
			work->storage++;
		if (lfirst_oid(lc1) != lfirst_oid(lc2))
			work->rewritten++;
	}
}

/*
 * The common part of add_column_with_default and add_column_with_policy.
 * target is open, check is the verdict; returns the audit row.
 */
Datum
dp_add_column(TargetTable *target, const char *column, DefaultCheck *check,
		   bool keep_default, bool if_not_exists, const char *policy_name)
{
	DpAuditEvent event = {0};
	StringInfoData detail;
	AddColumnWork work = {0};
	int64		placements_rewritten = 0;

	if (!check->valid)
		dp_raise_invalid_column_default(check, column, target->relname);

	event.action = "add_column";
	event.table_name = target->qualified;
	event.column_name = column;
	event.column_type = check->type_name;
	event.expression = check->normalized;
	event.kind = dp_kind_name(check->kind);
	event.policy_name = policy_name;
	event.kept_default = keep_default ? 1 : 0;
	dp_json_begin(&detail);

	/*
	 * Decide the no-op before any lock: it needs only ACCESS SHARE, to keep
	 * the column from being dropped or changed until the transaction ends.
	 * If it was dropped while we waited, go on and add it.
	 */
	if (dp_column_is_no_op(target, column, check, if_not_exists))
	{
		lock_target_and_run(target, AccessShareLock, 0, NULL, NULL);
		if (dp_column_is_no_op(target, column, check, if_not_exists))
			return audit_no_op(target, &event, &detail);
	}
	if (has_subclass(target->relid))
		check_descendants(target, column,
						  find_all_inheritors(target->relid, NoLock, NULL));

	/*
	 * What Citus cannot take, or would take with differing values; and a
	 * rewrite larger than max_rewrite_size, measured on the workers, before
	 * this call does any DDL there.
	 */
	read_citus(target);
	if (target->citus.type != DP_CITUS_NONE)
	{
		dp_citus_refuse_default(&target->citus, check, column, target->relname);
		if (check->rewrites && dp_max_rewrite_size >= 0)
			refuse_large_citus_rewrite(target);
	}

	/* now under the locks, with the descendants as they are */
	work.target = target;
	work.column = column;
	work.check = check;
	work.keep_default = keep_default;
	work.if_not_exists = if_not_exists;
	lock_target_and_run(target, AccessExclusiveLock, 0, add_column_locked, &work);
	if (work.no_op)
		return audit_no_op(target, &event, &detail);

	dp_json_add_raw(&detail, "tables", psprintf("%d", work.storage));
	dp_json_add_raw(&detail, "tables_rewritten", psprintf("%d", work.rewritten));
	dp_json_add_raw(&detail, "lock_attempts", psprintf("%d", target->lock_attempts));
	if (target->citus.type != DP_CITUS_NONE)
	{
		/* PostgreSQL's rule decides alike on every copy with storage */
		read_citus(target);
		if (work.stored->rewrites)
			placements_rewritten = target->citus.storage_placements;
		dp_citus_json(&detail, &target->citus, placements_rewritten);
		if (work.coordinator_value != NULL)
			dp_json_add_text(&detail, "coordinator_value", work.coordinator_value);
	}
	event.rewrote = (work.rewritten > 0 || placements_rewritten > 0) ? 1 : 0;
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
	Oid			relid = dp_table_arg(fcinfo);
	const char *column = dp_column_name_arg(fcinfo, 1);
	const char *column_type = dp_required_text_arg(fcinfo, 2, "column type");
	const char *expression = dp_required_text_arg(fcinfo, 3, "default expression");
	TargetTable target;
	DefaultCheck check;

	dp_citus_require_coordinator("add_column_with_default()");
	dp_refuse_system_column(column);
	dp_open_target(relid, 0, &target);
	dp_check_default(expression, column_type, 0, target.owner, &check);
	PG_RETURN_DATUM(dp_add_column(&target, column, &check,
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
	Oid			relid = dp_table_arg(fcinfo);
	const char *column = dp_column_name_arg(fcinfo, 1);
	const char *policy = dp_required_text_arg(fcinfo, 2, "policy name");
	TargetTable target;
	DefaultCheck check;
	bool		keep_default;

	dp_citus_require_coordinator("add_column_with_policy()");
	dp_refuse_system_column(column);
	dp_open_target(relid, 0, &target);
	dp_policy_check(policy, target.owner, &check, &keep_default);
	PG_RETURN_DATUM(dp_add_column(&target, column, &check, keep_default,
							   PG_ARGISNULL(3) ? false : PG_GETARG_BOOL(3),
							   policy));
}

/* set_column_default()'s work, under the locks. */
static void
set_default_locked(void *arg)
{
	SetDefaultWork *work = (SetDefaultWork *) arg;
	TargetTable *target = work->target;
	const char *column = work->column;
	DefaultCheck *check = work->check;
	Oid			typid;
	int32		typmod;

	dp_recheck_safety(check);
	if (!dp_existing_column(target->relid, column, &typid, &typmod, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						column, target->relname)));
	if (typid != work->typid || typmod != work->typmod)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column \"%s\" of relation \"%s\" was altered concurrently",
						column, target->relname),
				 errhint("Try again.")));
	if (target->citus.type != DP_CITUS_NONE)
		check = canonical_default(check);
	dp_alter_column_default(target, column, check);
}

/*
 * set_column_default(table_name regclass, column_name name, expression text)
 *	 RETURNS default_policy_audit
 *
 * Validates the expression against the column's type and sets it as the
 * column's DEFAULT, on the table and its partitions or children, as ALTER
 * TABLE ... ALTER COLUMN ... SET DEFAULT does; a single partition is fine
 * too.  Setting a default never rewrites the table.
 */
PG_FUNCTION_INFO_V1(set_column_default);
Datum
set_column_default(PG_FUNCTION_ARGS)
{
	Oid			relid = dp_table_arg(fcinfo);
	const char *column = dp_column_name_arg(fcinfo, 1);
	const char *expression = dp_required_text_arg(fcinfo, 2, "default expression");
	TargetTable target;
	DefaultCheck check;
	SetDefaultWork work;
	DpAuditEvent event = {0};
	StringInfoData detail;

	dp_citus_require_coordinator("set_column_default()");
	if (SystemAttributeByName(column) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot alter system column \"%s\"", column)));
	dp_open_target(relid, TARGET_PARTITION_OK, &target);
	if (!dp_existing_column(relid, column, &work.typid, &work.typmod, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						column, target.relname)));

	/* validate against the column's own type */
	dp_check_default_typed(expression, work.typid, work.typmod, target.owner,
						   &check);
	if (!check.valid)
		dp_raise_invalid_column_default(&check, column, target.relname);

	read_citus(&target);
	work.target = &target;
	work.column = column;
	work.check = &check;
	lock_target_and_run(&target, AccessExclusiveLock, TARGET_PARTITION_OK,
				set_default_locked, &work);

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
	if (target.citus.type != DP_CITUS_NONE)
	{
		read_citus(&target);
		dp_citus_json(&detail, &target.citus, 0);
	}
	event.detail = dp_json_end(&detail);
	PG_RETURN_DATUM(dp_audit(&event));
}

/* How many rows the tables have, as the notes of explain_add_column say it. */
static char *
rows_note(double rows, bool rows_known)
{
	if (!rows_known)
		return pstrdup("rows unknown until ANALYZE");
	return psprintf(ngettext("about %.0f row", "about %.0f rows",
							 (unsigned long) rows),
					rows);
}

/* The note on step 2 of explain_add_column: what ADD COLUMN will do. */
static char *
add_column_note(const DefaultCheck *check, int tables, double rows,
				bool rows_known)
{
	char	   *rows_text;

	rows_text = rows_note(rows, rows_known);

	if (!check->rewrites)
		return psprintf(ngettext("fast default: the value is stored once in the catalog; no rewrite and no scan of %d table, %s",
								 "fast default: the value is stored once in the catalog; no rewrite and no scan of %d tables, %s",
								 tables),
						tables, rows_text);
	if (contain_volatile_functions(check->expr))
		return psprintf(ngettext("rewrites %d table, %s: each existing row gets its own value",
								 "rewrites %d tables, %s: each existing row gets its own value",
								 tables),
						tables, rows_text);
	return psprintf(ngettext("rewrites %d table, %s: the column type is a domain with constraints, for which PostgreSQL always rewrites; each existing row gets the same value",
							 "rewrites %d tables, %s: the column type is a domain with constraints, for which PostgreSQL always rewrites; each existing row gets the same value",
							 tables),
					tables, rows_text);
}

/* A number and what it counts, for the notes of explain_add_column. */
static char *
counted(int64 n, const char *singular, const char *plural)
{
	return psprintf("%lld %s", (long long) n,
					ngettext(singular, plural, (unsigned long) n));
}

/*
 * The note on step 2 for a Citus table: its shards, their copies and
 * nodes, the rows of its shards from the workers' statistics, and what
 * defaults_policy.max_rewrite_size says of the size of its shards.
 */
static char *
citus_add_column_note(const DefaultCheck *check, const DpCitusTable *citus,
					  double rows, bool rows_known, List *relids)
{
	char	   *rows_text;
	char	   *shards;
	char	   *note;
	char	   *refused;

	rows_text = rows_note(rows, rows_known);
	shards = psprintf("%s (%s on %s)",
					  counted(citus->shards, "Citus shard", "Citus shards"),
					  counted(citus->placements, "placement", "placements"),
					  counted(citus->nodes, "node", "nodes"));

	if (!check->rewrites)
		note = psprintf("fast default: the value is stored once in the catalog of each shard placement; no rewrite and no scan of %s, %s",
						shards, rows_text);
	else if (contain_volatile_functions(check->expr))
		note = psprintf("rewrites %s, %s: each existing row gets its own value",
						shards, rows_text);
	else
		note = psprintf("rewrites %s, %s: the column type is a domain with constraints, for which PostgreSQL always rewrites; each existing row gets the same value",
						shards, rows_text);
	if (dp_citus_evaluates_once(check))
		note = psprintf("%s; the default is evaluated once, on the coordinator, and every shard placement stores that value",
						note);
	refused = dp_citus_refusal_note(citus, check);
	if (refused != NULL)
		note = psprintf("%s; %s", note, refused);
	if (check->rewrites && dp_max_rewrite_size >= 0)
	{
		int64		size = dp_citus_size(relids);

		if (size < 0)
			note = psprintf("%s; the size of its shards cannot be measured in this transaction, and add_column_with_default() refuses the rewrite under defaults_policy.max_rewrite_size (%s)",
							note, dp_size_text(dp_max_rewrite_size));
		else if (size > dp_max_rewrite_size)
			note = psprintf("%s; refused: its shards take %s, more than defaults_policy.max_rewrite_size (%s)",
							note, dp_size_text(size), dp_size_text(dp_max_rewrite_size));
		else
			note = psprintf("%s; its shards take %s, within defaults_policy.max_rewrite_size (%s)",
							note, dp_size_text(size), dp_size_text(dp_max_rewrite_size));
	}
	return psprintf("%s; add_column_with_default_concurrently() does not work on Citus tables",
					note);
}

/*
 * Which path add_column_with_default_concurrently() would take, and why,
 * added to note.  online: the table is a plain one without children.
 */
static char *
online_note(char *note, const DefaultCheck *check, bool online)
{
	if (!check->rewrites)
		return psprintf("%s; add_column_with_default_concurrently() takes this same instant path", note);
	if (DomainHasConstraints(check->typid))
		return psprintf("%s; add_column_with_default_concurrently() cannot avoid the rewrite: adding any column of this type rewrites the table", note);
	if (!online)
		return psprintf("%s; add_column_with_default_concurrently() does not work on partitioned tables or tables with children", note);
	return psprintf("%s; add_column_with_default_concurrently() would add the column without a rewrite and fill the rows in committed batches instead", note);
}

/*
 * What defaults_policy.max_rewrite_size says of a rewrite, added to note:
 * add_column_with_default obeys it as a plain ALTER TABLE does.
 */
static char *
rewrite_limit_note(char *note, const DefaultCheck *check, List *relids)
{
	int64		size;
	Oid			largest;

	if (!check->rewrites || dp_max_rewrite_size < 0)
		return note;
	largest = largest_table(relids, &size);
	if (!OidIsValid(largest))
		return note;
	if (size > dp_max_rewrite_size)
		return psprintf("%s; refused: table \"%s\" takes %s, more than defaults_policy.max_rewrite_size (%s)",
						note, get_rel_name(largest), dp_size_text(size),
						dp_size_text(dp_max_rewrite_size));
	return psprintf("%s; within defaults_policy.max_rewrite_size (%s)",
					note, dp_size_text(dp_max_rewrite_size));
}

/* The note on step 1 of explain_add_column: how the lock is taken. */
static char *
lock_note(int descendants)
{
	char	   *which;
	char	   *attempts;

	if (descendants == 0)
		which = pstrdup("the table alone");
	else
		which = psprintf(ngettext("the table and its %d partition or child",
								  "the table and its %d partitions or children",
								  descendants),
						 descendants);
	attempts = psprintf(ngettext("at most %d attempt of %d ms (defaults_policy.lock_retries, defaults_policy.lock_timeout)",
								 "at most %d attempts of %d ms each (defaults_policy.lock_retries, defaults_policy.lock_timeout), with backoff between them",
								 dp_lock_retries + 1),
						dp_lock_retries + 1, dp_lock_timeout);
	return psprintf("%s; %s", which, attempts);
}

/* The note on step 1 for a Citus table: its shards are locked too. */
static char *
citus_lock_note(int descendants, const DpCitusTable *citus)
{
	return psprintf("%s; in each attempt the ALTER TABLE then locks %s on %s, every lock wait there bounded the same way",
					lock_note(descendants),
					counted(citus->placements, "shard placement", "shard placements"),
					counted(citus->nodes, "node", "nodes"));
}

/*
 * explain_add_column(table_name regclass, column_name name, column_type text,
 *					  expression text, keep_default boolean DEFAULT false)
 *	 RETURNS TABLE(step int, statement text, lock_mode text, rewrites boolean,
 *				   note text)
 *
 * The dry run: what add_column_with_default would do, changing nothing and
 * taking no lock beyond what reading the catalogs takes.  It refuses what
 * add_column_with_default would refuse.
 */
PG_FUNCTION_INFO_V1(explain_add_column);
Datum
explain_add_column(PG_FUNCTION_ARGS)
{
	Oid			relid = dp_table_arg(fcinfo);
	const char *column = dp_column_name_arg(fcinfo, 1);
	const char *column_type = dp_required_text_arg(fcinfo, 2, "column type");
	const char *expression = dp_required_text_arg(fcinfo, 3, "default expression");
	bool		keep_default = PG_ARGISNULL(4) ? false : PG_GETARG_BOOL(4);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TargetTable target;
	DefaultCheck check;
	double		rows = 0;
	bool		rows_known = true;
	int			tables = 0;
	List	   *relids;
	ListCell   *lc;
	Datum		values[5];
	bool		nulls[5] = {0};
	bool		citus;

	dp_citus_require_coordinator("explain_add_column()");
	dp_refuse_system_column(column);
	dp_open_target(relid, 0, &target);
	dp_check_default(expression, column_type, 0, target.owner, &check);
	if (!check.valid)
		dp_raise_invalid_column_default(&check, column, target.relname);
	(void) dp_column_is_no_op(&target, column, &check, false);
	relids = find_all_inheritors(relid, NoLock, NULL);
	check_descendants(&target, column, relids);
	citus = dp_citus_table(relid, relids, &target.citus);

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
	if (citus)
	{
		rows = 0;
		rows_known = dp_citus_rows(relids, &rows);
	}

	InitMaterializedSRF(fcinfo, 0);

	values[0] = Int32GetDatum(1);
	values[1] = CStringGetTextDatum(psprintf("LOCK TABLE %s IN ACCESS EXCLUSIVE MODE",
											 target.qualified));
	values[2] = CStringGetTextDatum("ACCESS EXCLUSIVE");
	values[3] = BoolGetDatum(false);
	values[4] = CStringGetTextDatum(citus ?
									citus_lock_note(list_length(relids) - 1,
													&target.citus) :
									lock_note(list_length(relids) - 1));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

	values[0] = Int32GetDatum(2);
	values[1] = CStringGetTextDatum(add_column_statement(&target, column, &check));
	values[3] = BoolGetDatum(check.rewrites);
	if (citus)
		values[4] = CStringGetTextDatum(citus_add_column_note(&check, &target.citus,
															  rows, rows_known, relids));
	else
		values[4] = CStringGetTextDatum(rewrite_limit_note(online_note(add_column_note(&check, tables, rows,
																					   rows_known),
																	   &check,
																	   target.relkind == RELKIND_RELATION &&
																	   list_length(relids) == 1),
														   &check, relids));
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
