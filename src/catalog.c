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
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#define DP_EXTENSION_NAME	"defaults_policy"

/*
 * The schema the extension is installed in.  Raises if the extension is not
 * installed in this database, which can only happen when the shared library
 * is called from outside the extension.
 */
Oid
dp_extension_schema(void)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	Oid			schema = InvalidOid;

	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum(DP_EXTENSION_NAME));
	rel = table_open(ExtensionRelationId, AccessShareLock);
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		schema = ((Form_pg_extension) GETSTRUCT(tuple))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (!OidIsValid(schema))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"%s\" is not installed in this database",
						DP_EXTENSION_NAME),
				 errhint("Run CREATE EXTENSION %s.", DP_EXTENSION_NAME)));
	return schema;
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
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	Snapshot	snapshot;
	bool		found;

	/* the first column, "function", is a regprocedure, i.e. an OID */
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(funcid));
	snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
	rel = table_open(dp_extension_relid("default_policy_allowlist"),
					 AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, snapshot, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	return found;
}
