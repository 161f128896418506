/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Finding the extension's own objects, writing them as its owner, and
 *	  reading the allowlist.
 *
 * The extension is not relocatable but may be installed in any schema, so
 * its tables are found through pg_extension, never by an unqualified name.
 * PostgreSQL 15 keeps get_extension_schema() static, hence the small scan
 * of pg_extension here.
 *
 * The allowlist stores functions by signature, the schema-qualified text
 * format_procedure_extended(FORMAT_PROC_FORCE_QUALIFY) prints (the same as
 * pg_identify_object's identity): OIDs are not kept by pg_upgrade nor by
 * dump and restore, and a table with a regprocedure column makes
 * pg_upgrade --check refuse the cluster.  A function is allowlisted iff an
 * entry holds its signature.  Every validation asks, so the lookup is one
 * index probe under the active snapshot, with the table and index OIDs
 * cached until a relcache invalidation; the probe honours MVCC, so a
 * function allowed by a transaction that has not committed is not yet
 * allowed for anyone else.
 *
 * The guard trigger on the extension's tables lets through the writes the
 * extension makes itself (dp_spi_as_owner() sets a flag around them, reset
 * on error by PG_FINALLY, so that a caught error cannot leave it set) and a superuser's;
 * it does not depend on the owner being a superuser.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_proc.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/guc.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#define DP_EXTENSION_NAME	"defaults_policy"
#define DP_ALLOWLIST_TABLE	"default_policy_allowlist_entries"

/* the allowlist table and its unique index on signature; see allowlist_rel */
static Oid	allowlist_relid = InvalidOid;
static Oid	allowlist_indexid = InvalidOid;

/* true while the extension itself writes its tables; see guard trigger */
static bool writing_catalog = false;

/*
 * The schema the extension is installed in, and its owner.  Returns false
 * if the extension is not installed in this database.
 */
static bool
extension_info(Oid *schema, Oid *owner)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	bool		found;

	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum(DP_EXTENSION_NAME));
	rel = table_open(ExtensionRelationId, AccessShareLock);
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	found = HeapTupleIsValid(tuple);
	if (found)
	{
		*schema = ((Form_pg_extension) GETSTRUCT(tuple))->extnamespace;
		*owner = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * As extension_info(), but raising if the extension is not installed,
 * which can only happen when the library is called from outside it.
 */
static void
require_extension(Oid *schema, Oid *owner)
{
	if (!extension_info(schema, owner))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"%s\" is not installed in this database",
						DP_EXTENSION_NAME),
				 errhint("Run CREATE EXTENSION %s.", DP_EXTENSION_NAME)));
}

Oid
dp_extension_schema(void)
{
	Oid			schema;
	Oid			owner;

	require_extension(&schema, &owner);
	return schema;
}

/* The extension's schema name, quoted for internal SQL. */
const char *
dp_extension_schema_quoted(void)
{
	return quote_identifier(get_namespace_name(dp_extension_schema()));
}

/*
 * Act as the extension's owner until dp_end_as_owner(): the catalog and
 * audit tables are written this way, so that callers need no privilege on
 * them.  Only internal, fully qualified SQL runs in between, under a fixed
 * search_path, never anything of the caller's.  An error restores the
 * caller's identity and settings with the (sub)transaction.
 */
void
dp_begin_as_owner(DpOwnerSwitch *sw)
{
	Oid			schema;
	Oid			owner;

	require_extension(&schema, &owner);
	sw->caller = GetUserId();
	GetUserIdAndSecContext(&sw->saved_userid, &sw->saved_sec_context);
	SetUserIdAndSecContext(owner, sw->saved_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	sw->gucnest = dp_enter_search_path(true);
}

void
dp_end_as_owner(DpOwnerSwitch *sw)
{
	AtEOXact_GUC(true, sw->gucnest);
	SetUserIdAndSecContext(sw->saved_userid, sw->saved_sec_context);
}

/* The OID of one of the extension's relations, by name. */
Oid
dp_extension_relid(const char *relname)
{
	Oid			relid = get_relname_relid(relname, dp_extension_schema());

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" of extension \"%s\" does not exist",
						relname, DP_EXTENSION_NAME),
				 errhint("If the extension was installed by an older version, run ALTER EXTENSION %s UPDATE.",
						 DP_EXTENSION_NAME)));
	return relid;
}

/*
 * The allowlist table and its index, InvalidOid if the extension or the
 * table is not there (when missing_ok; otherwise raise).
 */
static Oid
allowlist_rel(bool missing_ok, Oid *indexid)
{
	if (!OidIsValid(allowlist_relid))
	{
		Oid			schema;
		Oid			owner;
		Oid			relid;
		Relation	rel;

		if (!extension_info(&schema, &owner))
		{
			if (missing_ok)
				return InvalidOid;
			require_extension(&schema, &owner);
		}
		relid = get_relname_relid(DP_ALLOWLIST_TABLE, schema);
		if (!OidIsValid(relid))
		{
			if (missing_ok)
				return InvalidOid;
			(void) dp_extension_relid(DP_ALLOWLIST_TABLE);
		}
		rel = table_open(relid, AccessShareLock);
		allowlist_indexid = RelationGetPrimaryKeyIndex(rel);
		table_close(rel, AccessShareLock);
		if (!OidIsValid(allowlist_indexid))
			elog(ERROR, "relation \"%s\" has no primary key", DP_ALLOWLIST_TABLE);
		allowlist_relid = relid;
	}
	*indexid = allowlist_indexid;
	return allowlist_relid;
}

/*
 * Answers of dp_function_is_allowlisted() for the snapshot they were read
 * under.  One statement that validates many defaults (check_default over a
 * table, check_schema_defaults) asks about the same few functions again and
 * again under one snapshot; what the allowlist holds for a snapshot cannot
 * change, so the answers are kept until the snapshot is another one: a new
 * statement, a new command of this transaction, another transaction having
 * ended meanwhile (snapXactCompletionCount), or a catalog change to the
 * table or to any function (invalidation callbacks).
 */
#define DP_ANSWERS	64

typedef struct AllowlistAnswers
{
	bool		valid;
	LocalTransactionId lxid;
	TransactionId xmin;
	TransactionId xmax;
	uint64		completions;
	CommandId	curcid;
	int			count;
	int			next;			/* the slot to reuse when full */
	Oid			funcid[DP_ANSWERS];
	bool		allowed[DP_ANSWERS];
} AllowlistAnswers;

static AllowlistAnswers answers;

/* Forget the cached OIDs when the table or any relation may have changed. */
static void
allowlist_invalidate(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == allowlist_relid ||
		relid == allowlist_indexid)
	{
		allowlist_relid = allowlist_indexid = InvalidOid;
		answers.valid = false;
	}
}

/* A function was created, changed or dropped: its signature may differ. */
static void
functions_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	answers.valid = false;
}

/* Are the kept answers those of this snapshot?  If not, start afresh. */
static bool
answers_match(Snapshot snapshot)
{
	if (snapshot->snapshot_type != SNAPSHOT_MVCC)
		return false;
	if (answers.valid && answers.lxid == MyProc->lxid &&
		answers.xmin == snapshot->xmin && answers.xmax == snapshot->xmax &&
		answers.completions == snapshot->snapXactCompletionCount &&
		answers.curcid == snapshot->curcid)
		return true;
	answers.valid = true;
	answers.lxid = MyProc->lxid;
	answers.xmin = snapshot->xmin;
	answers.xmax = snapshot->xmax;
	answers.completions = snapshot->snapXactCompletionCount;
	answers.curcid = snapshot->curcid;
	answers.count = answers.next = 0;
	return true;
}

/*
 * The canonical signature of a function: schema-qualified name and
 * argument types, as format_procedure_extended() prints them with
 * FORMAT_PROC_FORCE_QUALIFY.  NULL if there is no such function.
 */
char *
dp_function_signature(Oid funcid)
{
	return format_procedure_extended(funcid, FORMAT_PROC_FORCE_QUALIFY |
									 FORMAT_PROC_INVALID_AS_NULL);
}

/*
 * The function whose canonical signature is exactly signature, or
 * InvalidOid.  Never raises for a signature that names nothing (a missing
 * schema or type), and checks no privilege (anyone may read the allowlist):
 * the candidates are the functions of that name in that schema, looked up
 * in the catalog, and each is compared by its own canonical signature, so
 * the answer does not depend on search_path.
 */
Oid
dp_signature_function(const char *signature)
{
	char	   *name = pstrdup(signature);
	char	   *p;
	bool		in_quote = false;
	List	   *names;
	Oid			nspid;
	CatCList   *catlist;
	Oid			result = InvalidOid;

	for (p = name; *p; p++)
	{
		if (*p == '"')
			in_quote = !in_quote;
		else if (*p == '(' && !in_quote)
			break;
	}
	if (*p != '(')
		return InvalidOid;
	*p = '\0';
	if (!SplitIdentifierString(name, '.', &names) || list_length(names) != 2)
		return InvalidOid;
	nspid = get_namespace_oid(linitial(names), true);
	if (!OidIsValid(nspid))
		return InvalidOid;

	catlist = SearchSysCacheList1(PROCNAMEARGSNSP,
								  CStringGetDatum((char *) lsecond(names)));
	for (int i = 0; i < catlist->n_members && !OidIsValid(result); i++)
	{
		Form_pg_proc procform = (Form_pg_proc) GETSTRUCT(&catlist->members[i]->tuple);
		char	   *candidate;

		if (procform->pronamespace != nspid)
			continue;
		candidate = dp_function_signature(procform->oid);
		if (candidate && strcmp(candidate, signature) == 0)
			result = procform->oid;
	}
	ReleaseSysCacheList(catlist);
	return result;
}

/*
 * default_policy_allowlist_function(signature text) RETURNS regprocedure
 *
 * The function an allowlist signature binds to, or NULL.  The view
 * default_policy_allowlist shows its entries' functions through this.
 */
PG_FUNCTION_INFO_V1(default_policy_allowlist_function);
Datum
default_policy_allowlist_function(PG_FUNCTION_ARGS)
{
	Oid			funcid = dp_signature_function(text_to_cstring(PG_GETARG_TEXT_PP(0)));

	if (!OidIsValid(funcid))
		PG_RETURN_NULL();
	PG_RETURN_OID(funcid);
}

/* Is funcid on the allowlist, as the active snapshot sees it? */
bool
dp_function_is_allowlisted(Oid funcid)
{
	char	   *signature;
	Oid			indexid;
	Oid			relid;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	Snapshot	snapshot;
	bool		keep;
	bool		found;

	relid = allowlist_rel(false, &indexid);
	snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
	keep = answers_match(snapshot);
	if (keep)
	{
		for (int i = 0; i < answers.count; i++)
			if (answers.funcid[i] == funcid)
				return answers.allowed[i];
	}

	signature = dp_function_signature(funcid);
	found = false;
	if (signature != NULL)
	{
		/* signature is text COLLATE "C", as ScanKeyInit() assumes */
		ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_TEXTEQ,
					CStringGetTextDatum(signature));
		rel = table_open(relid, AccessShareLock);
		scan = systable_beginscan(rel, indexid, true, snapshot, 1, &key);
		found = HeapTupleIsValid(systable_getnext(scan));
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}

	if (keep)
	{
		int			slot = answers.count < DP_ANSWERS ? answers.count++ :
			answers.next++ % DP_ANSWERS;

		answers.funcid[slot] = funcid;
		answers.allowed[slot] = found;
	}
	return found;
}

/*
 * Run one internal statement as the extension's owner, inside the caller's
 * SPI connection.  The text is ours and fully qualified; every value is a
 * parameter.  Returns the number of rows processed; the rows are in
 * SPI_tuptable.  Writes to the extension's tables made here pass the guard
 * trigger; the flag is restored however the statement ends.
 */
uint64
dp_spi_as_owner(const char *sql, int nargs, const Oid *argtypes,
				Datum *values, const char *nulls)
{
	DpOwnerSwitch sw;
	bool		was_writing = writing_catalog;
	int			rc;

	dp_begin_as_owner(&sw);
	writing_catalog = true;
	PG_TRY();
	{
		rc = SPI_execute_with_args(sql, nargs, (Oid *) argtypes, values,
								   nulls, false, 0);
	}
	PG_FINALLY();
	{
		writing_catalog = was_writing;
	}
	PG_END_TRY();
	dp_end_as_owner(&sw);
	if (rc < 0)
		elog(ERROR, "internal statement failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

/*
 * Whether the extension is installed; for callers such as event triggers
 * that must do nothing when it is not (or is being dropped).
 */
bool
dp_extension_ready(void)
{
	Oid			indexid;

	return OidIsValid(allowlist_rel(true, &indexid));
}

/*
 * PG_FINALLY above restores the flag on every error; resetting it at abort
 * too makes sure no path can carry it into the next transaction.
 */
static void
catalog_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		writing_catalog = false;
}

void
dp_init_catalog(void)
{
	CacheRegisterRelcacheCallback(allowlist_invalidate, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, functions_invalidate, (Datum) 0);
	RegisterXactCallback(catalog_xact_callback, NULL);
}

/*
 * Trigger on the extension's tables: only the extension's own writes and a
 * superuser's pass.  Everyone else changes the tables through the
 * extension's functions, which write as the owner.  This closes the routes
 * that privileges alone leave open, such as pg_write_all_data.  The owner
 * itself is trusted: it owns the tables and can disable this trigger.
 */
PG_FUNCTION_INFO_V1(guard_catalog_trigger);
Datum
guard_catalog_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "guard_catalog_trigger: not called by trigger manager");
	if (!writing_catalog && !superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s",
						RelationGetRelationName(trigdata->tg_relation)),
				 errdetail("Only a superuser can change this table directly."),
				 errhint("Use the defaults_policy functions.")));
	return PointerGetDatum(NULL);
}
