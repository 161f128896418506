/*-------------------------------------------------------------------------
 *
 * schema_check.c
 *	  check_schema_defaults(): the validation rules applied to the column
 *	  defaults that already exist.
 *
 * Every column default of the tables in one schema, or in all user schemas,
 * is classified from the tree PostgreSQL stored (pg_attrdef.adbin), never
 * from text parsed again: parsing a literal of a type with a domain inside
 * runs the domain's CHECKs, and a default is anyone's text.  What must be
 * evaluated is evaluated as the table's owner.  System schemas, temporary
 * schemas and the extension's own tables are left out; generated columns
 * have expressions, not defaults, and identity columns have no pg_attrdef
 * row.
 *
 * One user's default never stops the report: a default the engine cannot
 * judge gets the reason in its row.  The defaults are read through a cursor,
 * a batch at a time, and each row's work is done in a memory context reset
 * for the next, so memory stays flat however many defaults there are (the
 * result is a tuplestore, which spills to disk past work_mem).
 *
 * What the engine cannot see here: a default made with a special input
 * such as 'now' was converted when it was made, and is stored as the
 * constant it became.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

/*
 * check_schema_defaults(schema_name name DEFAULT NULL)
 *	 RETURNS TABLE(table_name regclass, column_name name, expression text,
 *				   kind text, valid boolean, reason text)
 */
PG_FUNCTION_INFO_V1(check_schema_defaults);
Datum
check_schema_defaults(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			argtypes[] = {OIDOID, OIDOID};
	Datum		args[2];
	char		argnulls[2] = "  ";
	Portal		portal;
	int			nestlevel;
	MemoryContext rowcxt;

	/*
	 * The query's sort and joins, and the result's tuplestore, get the least
	 * memory PostgreSQL allows and spill to disk past it: what the report
	 * holds does not grow with the number of defaults.
	 */
	nestlevel = NewGUCNestLevel();
	set_config_option("work_mem", "64", PGC_USERSET, PGC_S_SESSION,
					  GUC_ACTION_SAVE, true, 0, false);
	/* ... and joins by index lookups: a hash join's batch files add up */
	set_config_option("enable_hashjoin", "off", PGC_USERSET, PGC_S_SESSION,
					  GUC_ACTION_SAVE, true, 0, false);
	set_config_option("enable_mergejoin", "off", PGC_USERSET, PGC_S_SESSION,
					  GUC_ACTION_SAVE, true, 0, false);

	InitMaterializedSRF(fcinfo, 0);

	/* a schema that does not exist is an error, not an empty answer */
	args[0] = ObjectIdGetDatum(InvalidOid);
	if (PG_ARGISNULL(0))
		argnulls[0] = 'n';
	else
		args[0] = ObjectIdGetDatum(get_namespace_oid(NameStr(*PG_GETARG_NAME(0)),
													 false));
	args[1] = ObjectIdGetDatum(get_extension_oid("defaults_policy", false));

	SPI_connect();
	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT d.adrelid, a.attname, d.adbin::pg_catalog.text,"
									   " a.atttypid, a.atttypmod, c.relowner"
									   " FROM pg_catalog.pg_attrdef AS d"
									   " JOIN pg_catalog.pg_attribute AS a"
									   "   ON a.attrelid OPERATOR(pg_catalog.=) d.adrelid"
									   "  AND a.attnum OPERATOR(pg_catalog.=) d.adnum"
									   " JOIN pg_catalog.pg_class AS c ON c.oid OPERATOR(pg_catalog.=) d.adrelid"
									   " JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
									   " WHERE NOT a.attisdropped AND a.attgenerated OPERATOR(pg_catalog.=) ''"
									   "   AND a.attnum OPERATOR(pg_catalog.>) 0"
									   "   AND CASE WHEN $1 IS NULL THEN"
									   "         n.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema', 'pg_toast'])"
									   "         AND n.nspname OPERATOR(pg_catalog.!~) '^pg_(toast_)?temp_'"
									   "       ELSE n.oid OPERATOR(pg_catalog.=) $1 END"
									   "   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend AS e"
									   "       WHERE e.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
									   "         AND e.objid OPERATOR(pg_catalog.=) c.oid"
									   "         AND e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass"
									   "         AND e.refobjid OPERATOR(pg_catalog.=) $2"
									   "         AND e.deptype OPERATOR(pg_catalog.=) 'e')"
									   " ORDER BY n.nspname, c.relname, a.attnum",
									   2, argtypes, args, argnulls, true, 0);

	/* a batch of rows at a time, each row's work in a context reset after it */
	rowcxt = AllocSetContextCreate(CurrentMemoryContext,
								   "check_schema_defaults row",
								   ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	row = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			MemoryContext oldcxt = MemoryContextSwitchTo(rowcxt);
			bool		isnull;
			Node	   *stored = stringToNode(SPI_getvalue(row, desc, 3));
			Oid			typid = DatumGetObjectId(SPI_getbinval(row, desc, 4, &isnull));
			int32		typmod = DatumGetInt32(SPI_getbinval(row, desc, 5, &isnull));
			char	   *type_name;
			DefaultCheck check;
			Datum		values[6];
			bool		nulls[6] = {0};

			dp_check_stored(stored, typid, typmod,
							DatumGetObjectId(SPI_getbinval(row, desc, 6, &isnull)),
							&check);
			/* the engine wrote the text unless it refused before that step */
			values[2] = CStringGetTextDatum(check.normalized ? check.normalized :
											dp_canonical_text(stored, typid, typmod,
															  &type_name));

			values[0] = SPI_getbinval(row, desc, 1, &isnull);
			values[1] = SPI_getbinval(row, desc, 2, &isnull);
			values[3] = CStringGetTextDatum(dp_kind_name(check.kind));
			values[4] = BoolGetDatum(check.valid);
			if (check.valid)
				nulls[5] = true;
			else
				values[5] = CStringGetTextDatum(dp_check_reason(&check));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(rowcxt);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	AtEOXact_GUC(true, nestlevel);

	SPI_finish();
	return (Datum) 0;
}
