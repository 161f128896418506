/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Finding the extension's own objects, and reading the allowlist.
 *
 * The extension is not relocatable but may be installed in any schema, so
 * its tables are found through pg_extension, never by an unqualified name.
 * PostgreSQL 15 keeps get_extension_schema() static, hence the small scan
 * of pg_extension here.
 *
 * The allowlist is read with a direct heap scan under the active snapshot:
 * it is small, every validation consults it, and a scan costs far less than
 * an SPI query.  The scan honours MVCC, so a function allowed by a
 * transaction that has not committed is not yet allowed for anyone else.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#define DP_EXTENSION_NAME	"defaults_policy"

/*
 * The schema the extension is installed in, and its owner.  Raises if the
 * extension is not installed in this database, which can only happen when
 * the shared library is called from outside the extension.
 */
static void
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

	if (!found)
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

	extension_info(&schema, &owner);
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

	extension_info(&schema, &owner);
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
						relname, DP_EXTENSION_NAME)));
	return relid;
}

/* Is funcid on default_policy_allowlist, as the active snapshot sees it? */
bool
dp_function_is_allowlisted(Oid funcid)
{
	Oid			allowlist = dp_extension_relid("default_policy_allowlist");
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	Snapshot	snapshot;
	bool		found;

	/* the first column, "function", is a regprocedure, i.e. an OID */
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(funcid));
	snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
	rel = table_open(allowlist, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, snapshot, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	return found;
}

/*
 * Run one internal statement as the extension's owner, inside the caller's
 * SPI connection.  The text is ours and fully qualified; every value is a
 * parameter.  Returns the number of rows processed; the rows are in
 * SPI_tuptable.
 */
uint64
dp_spi_as_owner(const char *sql, int nargs, const Oid *argtypes,
				Datum *values, const char *nulls)
{
	DpOwnerSwitch sw;
	int			rc;

	dp_begin_as_owner(&sw);
	rc = SPI_execute_with_args(sql, nargs, (Oid *) argtypes, values, nulls,
							   false, 0);
	dp_end_as_owner(&sw);
	if (rc < 0)
		elog(ERROR, "internal statement failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

/*
 * Trigger on the extension's tables: only a superuser writes them directly.
 * Everyone else changes them through the extension's functions, which write
 * as the owner (a superuser, since installing needs one).  This closes the
 * routes that privileges alone leave open, such as pg_write_all_data.
 */
PG_FUNCTION_INFO_V1(guard_catalog_trigger);
Datum
guard_catalog_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "guard_catalog_trigger: not called by trigger manager");
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s",
						RelationGetRelationName(trigdata->tg_relation)),
				 errdetail("Only a superuser can change this table directly."),
				 errhint("Use the defaults_policy functions.")));
	return PointerGetDatum(NULL);
}
