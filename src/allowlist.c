/*-------------------------------------------------------------------------
 *
 * allowlist.c
 *	  Managing the allowlist: allow_default_function(),
 *	  disallow_default_function(), and the event triggers that keep its
 *	  entries bound to the functions they were made for.
 *
 * An entry is a function's canonical signature (see catalog.c), never an
 * OID.  A signature binds to whatever function has it, so an entry must go
 * when its function goes or is renamed, or a function created later with
 * the old signature would inherit the entry: a sql_drop event trigger
 * removes the entries of dropped functions, and a ddl_command_end trigger
 * removes entries whose signature no longer names a function after a
 * rename or a change of schema (of the function, of its schema, of an
 * argument type, of an extension).  Both are audited as disallow_function.
 * Temporary functions are refused: they are dropped at the end of their
 * session without any event trigger firing.
 *
 * Concurrency: create/alter_default_policy lock the entries a policy uses
 * FOR KEY SHARE (dp_lock_allowlisted) and disallow_default_function locks
 * the entry FOR UPDATE, then reads the policies under a fresh snapshot, so
 * that a policy committed after a REPEATABLE READ transaction's snapshot
 * is still seen.  Two sessions allowing one function: the second waits on
 * the first's INSERT ... ON CONFLICT and gets "already on the allowlist".
 *
 * This file calls catalog.c, audit.c and the validation engine; none of
 * them calls back here except policy.c, through dp_lock_allowlisted().
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

/* A description argument: an empty one means none. */
static const char *
description_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *value;

	if (PG_ARGISNULL(argno))
		return NULL;
	value = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	return value[0] != '\0' ? value : NULL;
}

static Datum
session_user_datum(void)
{
	return DirectFunctionCall1(namein,
							   CStringGetDatum(GetUserNameFromId(GetSessionUserId(), false)));
}

/* Is the type in a temporary schema? */
static bool
type_is_temporary(Oid typid)
{
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	bool		temporary = false;

	if (HeapTupleIsValid(tuple))
	{
		temporary = isAnyTempNamespace(((Form_pg_type) GETSTRUCT(tuple))->typnamespace);
		ReleaseSysCache(tuple);
	}
	return temporary;
}

/*
 * The signature of the function argument 0 names, after checking that it
 * exists and may be on the allowlist.
 */
static char *
allowable_function(FunctionCallInfo fcinfo, Oid *funcid_out)
{
	Oid			funcid;
	HeapTuple	tuple;
	Form_pg_proc procform;
	char	   *signature;
	bool		temporary;

	dp_require_arg(fcinfo, 0, "function");
	funcid = PG_GETARG_OID(0);
	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function with OID %u does not exist", funcid)));
	procform = (Form_pg_proc) GETSTRUCT(tuple);
	signature = dp_function_signature(funcid);

	if (procform->prokind != PROKIND_FUNCTION || procform->proretset)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("function %s cannot be used in a default", signature),
				 errdetail("Aggregates, window functions, procedures and set-returning functions cannot be on the allowlist.")));

	temporary = isAnyTempNamespace(procform->pronamespace) ||
		type_is_temporary(procform->prorettype);
	for (int i = 0; i < procform->pronargs && !temporary; i++)
		temporary = type_is_temporary(procform->proargtypes.values[i]);
	if (temporary)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("temporary function %s cannot be on the allowlist", signature),
				 errdetail("A temporary function, or one that takes or returns a temporary type, ends with its session, and another session can create one with the same signature.")));
	ReleaseSysCache(tuple);

	*funcid_out = funcid;
	return signature;
}

static void
already_allowed(const char *signature)
{
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 errmsg("function %s is already on the allowlist", signature)));
}

/*
 * Lock the allowlist entries a policy uses, so that a concurrent
 * disallow_default_function() either sees this policy or has already
 * removed the entry, in which case the policy is refused.  Called inside
 * an SPI connection.
 */
void
dp_lock_allowlisted(const DefaultCheck *check)
{
	Oid			argtypes[] = {TEXTOID};
	ListCell   *lc;

	foreach(lc, check->allowlisted)
	{
		char	   *signature = dp_function_signature(lfirst_oid(lc));
		Datum		values[1];

		if (signature == NULL)
			elog(ERROR, "cache lookup failed for function %u", lfirst_oid(lc));
		values[0] = CStringGetTextDatum(signature);
		if (dp_spi_as_owner(psprintf("SELECT 1 FROM %s.default_policy_allowlist_entries"
									 " WHERE signature OPERATOR(pg_catalog.=) $1"
									 " FOR KEY SHARE",
									 dp_extension_schema_quoted()),
							1, argtypes, values, NULL) != 1)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("function %s was removed from the allowlist concurrently",
							signature)));
	}
}

static void
audit_disallow(const char *signature, bool builtin, const char *reason)
{
	StringInfoData detail;
	DpAuditEvent event = {0};

	dp_json_begin(&detail);
	dp_json_add_text(&detail, "function", signature);
	dp_json_add_raw(&detail, "builtin", builtin ? "true" : "false");
	if (reason)
		dp_json_add_text(&detail, "reason", reason);
	event.action = "disallow_function";
	event.kept_default = event.rewrote = -1;
	event.detail = dp_json_end(&detail);
	(void) dp_audit(&event);
}

/*
 * allow_default_function(fn regprocedure, description text DEFAULT NULL)
 *	 RETURNS void
 */
PG_FUNCTION_INFO_V1(allow_default_function);
Datum
allow_default_function(PG_FUNCTION_ARGS)
{
	const char *description = description_arg(fcinfo, 1);
	Oid			funcid;
	char	   *signature;
	Oid			argtypes[] = {TEXTOID, TEXTOID, NAMEOID, BOOLOID};
	Datum		values[4];
	char		nulls[4] = "    ";
	StringInfoData detail;
	DpAuditEvent event = {0};
	bool		builtin;

	signature = allowable_function(fcinfo, &funcid);
	if (dp_function_is_allowlisted(funcid))
		already_allowed(signature);

	values[0] = CStringGetTextDatum(signature);
	if (description)
		values[1] = CStringGetTextDatum(description);
	else
		nulls[1] = 'n';
	values[2] = session_user_datum();

	SPI_connect();

	/*
	 * A seed that was taken off goes back on as the seed it was, with its
	 * own description, as CREATE EXTENSION would restore it.
	 */
	builtin = dp_spi_as_owner(psprintf("DELETE FROM %s.default_policy_allowlist_removed"
									   " WHERE signature OPERATOR(pg_catalog.=) $1"
									   " RETURNING description",
									   dp_extension_schema_quoted()),
							  1, argtypes, values, nulls) > 0;
	if (builtin)
	{
		description = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		values[1] = description ? CStringGetTextDatum(description) : (Datum) 0;
		nulls[1] = description ? ' ' : 'n';
	}
	values[3] = BoolGetDatum(builtin);

	/* a session allowing it meanwhile makes this wait; if it commits, done */
	if (dp_spi_as_owner(psprintf("INSERT INTO %s.default_policy_allowlist_entries"
								 " (signature, description, builtin, added_at, added_by)"
								 " VALUES ($1, $2, $4, pg_catalog.now(), $3)"
								 " ON CONFLICT (signature) DO NOTHING",
								 dp_extension_schema_quoted()),
						4, argtypes, values, nulls) != 1)
		already_allowed(signature);

	dp_json_begin(&detail);
	dp_json_add_text(&detail, "function", signature);
	dp_json_add_text(&detail, "description", description);
	dp_json_add_raw(&detail, "builtin", builtin ? "true" : "false");
	event.action = "allow_function";
	event.kept_default = event.rewrote = -1;
	event.detail = dp_json_end(&detail);
	(void) dp_audit(&event);
	SPI_finish();

	PG_RETURN_VOID();
}

/*
 * The stored policies, read as the owner under a snapshot taken now rather
 * than the transaction's: under REPEATABLE READ a policy committed after
 * the transaction began must be seen too.  Returns a cursor over them.
 */
static Portal
read_policies_now(void)
{
	DpOwnerSwitch sw;
	SPIPlanPtr	plan;
	Portal		portal;

	dp_begin_as_owner(&sw);
	plan = SPI_prepare(psprintf("SELECT name, expression, column_type"
								" FROM %s.default_policy ORDER BY name",
								dp_extension_schema_quoted()),
					   0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not prepare the policy query: %s",
			 SPI_result_code_string(SPI_result));
	/* a read-only cursor keeps the active snapshot it was opened with */
	PushActiveSnapshot(GetLatestSnapshot());
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	PopActiveSnapshot();
	dp_end_as_owner(&sw);
	return portal;
}

/*
 * disallow_default_function(fn regprocedure) RETURNS void
 *
 * Refused while a policy uses the function, and while a policy cannot be
 * validated (then nobody can tell whether it uses the function): the error
 * names the policies.
 */
PG_FUNCTION_INFO_V1(disallow_default_function);
Datum
disallow_default_function(PG_FUNCTION_ARGS)
{
	Oid			funcid;
	char	   *signature;
	Oid			argtypes[] = {TEXTOID};
	Datum		values[1];
	StringInfoData users;
	StringInfoData broken;
	int			nusers = 0;
	int			nbroken = 0;
	Portal		portal;
	int			nestlevel;
	bool		builtin;
	char	   *description;
	bool		isnull;

	dp_require_arg(fcinfo, 0, "function");
	funcid = PG_GETARG_OID(0);
	signature = dp_function_signature(funcid);
	if (signature == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function with OID %u does not exist", funcid)));
	values[0] = CStringGetTextDatum(signature);

	SPI_connect();

	/* lock the entry: a policy created meanwhile must wait for us */
	if (dp_spi_as_owner(psprintf("SELECT builtin, description"
								 " FROM %s.default_policy_allowlist_entries"
								 " WHERE signature OPERATOR(pg_catalog.=) $1 FOR UPDATE",
								 dp_extension_schema_quoted()),
						1, argtypes, values, NULL) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("function %s is not on the allowlist", signature)));
	builtin = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));
	description = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

	/* which policies use it, as they read now */
	/* the query's sort gets the least memory and spills past it */
	nestlevel = NewGUCNestLevel();
	set_config_option("work_mem", "64", PGC_USERSET, PGC_S_SESSION,
					  GUC_ACTION_SAVE, true, 0, false);
	portal = read_policies_now();
	initStringInfo(&users);
	initStringInfo(&broken);
	for (;;)
	{
		SPITupleTable *policies;
		uint64		npolicies;

		/* a batch at a time, each policy's validation in a context reset after it */
		MemoryContext rowcxt = AllocSetContextCreate(CurrentMemoryContext,
													 "disallow_default_function policy",
													 ALLOCSET_DEFAULT_SIZES);

		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
		{
			MemoryContextDelete(rowcxt);
			break;
		}
		policies = SPI_tuptable;
		npolicies = SPI_processed;
		for (uint64 i = 0; i < npolicies; i++)
		{
			HeapTuple	row = policies->vals[i];
			MemoryContext oldcxt = MemoryContextSwitchTo(rowcxt);
			const char *name = quote_identifier(SPI_getvalue(row, policies->tupdesc, 1));
			DefaultCheck check;

			dp_check_default(SPI_getvalue(row, policies->tupdesc, 2),
							 SPI_getvalue(row, policies->tupdesc, 3),
							 DP_CANONICAL, InvalidOid, &check);
			MemoryContextSwitchTo(oldcxt);
			if (!check.valid)
			{
				appendStringInfo(&broken, "%s%s", broken.len ? ", " : "", name);
				nbroken++;
			}
			else if (list_member_oid(check.allowlisted, funcid))
			{
				appendStringInfo(&users, "%s%s", users.len ? ", " : "", name);
				nusers++;
			}
			MemoryContextReset(rowcxt);
		}
		MemoryContextDelete(rowcxt);
		SPI_freetuptable(policies);
	}
	SPI_cursor_close(portal);
	AtEOXact_GUC(true, nestlevel);
	if (nusers > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot remove function %s from the allowlist because default policies use it",
						signature),
				 errdetail("Used by: %s.", users.data),
				 errhint("Alter or drop those policies first.")));
	if (nbroken > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg_plural("cannot remove function %s from the allowlist while a default policy cannot be validated",
							   "cannot remove function %s from the allowlist while default policies cannot be validated",
							   nbroken, signature),
				 errdetail_plural("Policy %s cannot be validated, so whether it uses the function is unknown.",
								  "Policies %s cannot be validated, so whether they use the function is unknown.",
								  nbroken, broken.data),
				 errhint("Call default_policy_value() for the reason, then alter or drop the policy.")));

	dp_spi_as_owner(psprintf("DELETE FROM %s.default_policy_allowlist_entries"
							 " WHERE signature OPERATOR(pg_catalog.=) $1",
							 dp_extension_schema_quoted()),
					1, argtypes, values, NULL);
	if (builtin)
	{
		Oid			removedtypes[] = {TEXTOID, NAMEOID, TEXTOID};
		Datum		removed[] = {values[0], session_user_datum(), (Datum) 0};
		char		removednulls[] = "  n";

		if (description)
		{
			removed[2] = CStringGetTextDatum(description);
			removednulls[2] = ' ';
		}
		dp_spi_as_owner(psprintf("INSERT INTO %s.default_policy_allowlist_removed"
								 " (signature, description, removed_at, removed_by)"
								 " VALUES ($1, $3, pg_catalog.now(), $2)",
								 dp_extension_schema_quoted()),
						3, removedtypes, removed, removednulls);
	}

	audit_disallow(signature, builtin, NULL);
	SPI_finish();

	PG_RETURN_VOID();
}

/*
 * Remove the entries with these signatures, each audited with the reason.
 * Called inside an SPI connection.
 */
static void
remove_entries(List *signatures, const char *reason)
{
	Oid			argtypes[] = {TEXTARRAYOID};
	Datum	   *elems;
	Datum		values[1];
	ListCell   *lc;
	int			i = 0;
	uint64		n;

	elems = palloc(sizeof(Datum) * list_length(signatures));
	foreach(lc, signatures)
		elems[i++] = CStringGetTextDatum(lfirst(lc));
	values[0] = PointerGetDatum(construct_array(elems, i, TEXTOID, -1, false,
												TYPALIGN_INT));

	n = dp_spi_as_owner(psprintf("DELETE FROM %s.default_policy_allowlist_entries"
								 " WHERE signature OPERATOR(pg_catalog.=) ANY ($1)"
								 " RETURNING signature, builtin",
								 dp_extension_schema_quoted()),
						1, argtypes, values, NULL);
	if (n > 0)
	{
		SPITupleTable *removed = SPI_tuptable;

		for (uint64 j = 0; j < n; j++)
		{
			bool		isnull;

			audit_disallow(SPI_getvalue(removed->vals[j], removed->tupdesc, 1),
						   DatumGetBool(SPI_getbinval(removed->vals[j],
													  removed->tupdesc, 2,
													  &isnull)),
						   reason);
		}
	}
}

/*
 * Event triggers do nothing while pg_upgrade restores the schema, nothing
 * where the extension is absent or being dropped, and nothing on a Citus
 * worker for the DDL its coordinator sends: the allowlist that counts is
 * the coordinator's.
 */
static bool
event_trigger_active(FunctionCallInfo fcinfo)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "not fired by event trigger manager");
	return !IsBinaryUpgrade && dp_extension_ready() && !dp_citus_worker_replay();
}

/*
 * default_policy_allowlist_drop() RETURNS event_trigger, on sql_drop
 *
 * The entries of dropped functions go, whatever dropped them (DROP
 * FUNCTION, DROP SCHEMA ... CASCADE, DROP OWNED, DROP EXTENSION, ...).
 */
PG_FUNCTION_INFO_V1(default_policy_allowlist_drop);
Datum
default_policy_allowlist_drop(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr plan = NULL;
	List	   *signatures = NIL;

	if (!event_trigger_active(fcinfo))
		PG_RETURN_VOID();

	SPI_connect();
	if (plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare("SELECT object_identity"
									" FROM pg_catalog.pg_event_trigger_dropped_objects()"
									" WHERE classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass"
									" AND object_identity IS NOT NULL",
									0, NULL);

		if (p == NULL)
			elog(ERROR, "could not prepare the dropped objects query: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		plan = p;
	}
	if (SPI_execute_plan(plan, NULL, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the dropped objects");
	for (uint64 i = 0; i < SPI_processed; i++)
		signatures = lappend(signatures,
							 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	if (signatures != NIL)
		remove_entries(signatures, "dropped");
	SPI_finish();

	PG_RETURN_VOID();
}

/*
 * default_policy_allowlist_rename() RETURNS event_trigger, on
 * ddl_command_end of the commands that can change a function's signature
 *
 * After a rename or a change of schema, the entries whose signature names
 * no function any more go: the renamed function is not allowlisted under
 * its new signature, and a function created later with the old signature
 * does not inherit the entry.
 */
PG_FUNCTION_INFO_V1(default_policy_allowlist_rename);
Datum
default_policy_allowlist_rename(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata = (EventTriggerData *) fcinfo->context;
	List	   *gone = NIL;
	uint64		n;

	if (!event_trigger_active(fcinfo))
		PG_RETURN_VOID();
	if (!IsA(trigdata->parsetree, RenameStmt) &&
		!IsA(trigdata->parsetree, AlterObjectSchemaStmt) &&
		!IsA(trigdata->parsetree, AlterExtensionStmt))
		PG_RETURN_VOID();

	SPI_connect();
	n = dp_spi_as_owner(psprintf("SELECT signature FROM %s.default_policy_allowlist_entries",
								 dp_extension_schema_quoted()),
						0, NULL, NULL, NULL);
	for (uint64 i = 0; i < n; i++)
	{
		char	   *signature = SPI_getvalue(SPI_tuptable->vals[i],
											 SPI_tuptable->tupdesc, 1);

		if (!OidIsValid(dp_signature_function(signature)))
			gone = lappend(gone, signature);
	}
	if (gone != NIL)
		remove_entries(gone, "renamed");
	SPI_finish();

	PG_RETURN_VOID();
}
