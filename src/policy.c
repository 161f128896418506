/*-------------------------------------------------------------------------
 *
 * policy.c
 *	  The catalog of named default policies.
 *
 * A policy is a validated (column type, expression) pair under a name that
 * migrations use.  Its expression and type are stored as canonical text:
 * written under DP_CANONICAL_SEARCH_PATH, where everything outside
 * pg_catalog is schema-qualified, and always read back under that same
 * path, so that a public.now() created later, or a reader's own
 * search_path, cannot change what a stored policy means.
 *
 * Writes go through SPI as the extension's owner (see catalog.c); what a
 * policy evaluates (default_policy_value) runs as the caller.  Every change
 * writes its audit row in the same transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

/* A policy as stored, read with read_policy(). */
typedef struct StoredPolicy
{
	char	   *name;
	char	   *column_type;
	char	   *expression;
	char	   *kind;
	bool		keep_default;
	char	   *description;
	char	   *json;			/* the whole row, as to_jsonb() writes it */
} StoredPolicy;

static const char *arg_text(FunctionCallInfo fcinfo, int argno);
static const char *required_text(FunctionCallInfo fcinfo, int argno,
								 const char *what);
static bool read_policy(const char *name, bool for_update, StoredPolicy *policy);
static bool lookup_policy(const char *name, char **column_type,
						  char **expression, bool *keep_default);
static void validate_policy(const char *name, const char *expression,
							const char *column_type, int flags,
							DefaultCheck *check);
static Datum write_policy(const char *sql, const char *name,
						  const DefaultCheck *check, bool keep_default,
						  const char *description);
static void audit_policy(const char *action, const char *name,
						 const char *column_type, const char *expression,
						 const char *kind, bool keep_default,
						 const char *detail);
static char *session_user_name(void);

/* An argument as a C string, NULL for SQL NULL. */
static const char *
arg_text(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		return NULL;
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/* A description argument: an empty one means none. */
static const char *
description_arg(FunctionCallInfo fcinfo, int argno)
{
	const char *value = arg_text(fcinfo, argno);

	return (value && value[0] != '\0') ? value : NULL;
}

static const char *
required_text(FunctionCallInfo fcinfo, int argno, const char *what)
{
	dp_require_arg(fcinfo, argno, what);
	return arg_text(fcinfo, argno);
}

static const char *
policy_name_arg(FunctionCallInfo fcinfo)
{
	const char *name = required_text(fcinfo, 0, "policy name");

	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("policy name must not be empty")));
	return name;
}

static char *
session_user_name(void)
{
	return GetUserNameFromId(GetSessionUserId(), false);
}

/*
 * Read a policy by name, optionally locking its row.  Must be called inside
 * an SPI connection; the strings live in the SPI procedure context.
 */
static bool
read_policy(const char *name, bool for_update, StoredPolicy *policy)
{
	Oid			argtypes[] = {TEXTOID};
	Datum		values[] = {CStringGetTextDatum(name)};
	char	   *sql;
	HeapTuple	tuple;
	TupleDesc	tupdesc;
	bool		isnull;

	sql = psprintf("SELECT p.column_type, p.expression, p.kind, p.keep_default,"
				   " p.description, pg_catalog.to_jsonb(p)::pg_catalog.text"
				   " FROM %s.default_policy AS p"
				   " WHERE p.name OPERATOR(pg_catalog.=) $1%s",
				   dp_extension_schema_quoted(),
				   for_update ? " FOR UPDATE" : "");
	if (dp_spi_as_owner(sql, 1, argtypes, values, NULL) == 0)
		return false;

	tuple = SPI_tuptable->vals[0];
	tupdesc = SPI_tuptable->tupdesc;
	policy->name = pstrdup(name);
	policy->column_type = SPI_getvalue(tuple, tupdesc, 1);
	policy->expression = SPI_getvalue(tuple, tupdesc, 2);
	policy->kind = SPI_getvalue(tuple, tupdesc, 3);
	policy->keep_default = DatumGetBool(SPI_getbinval(tuple, tupdesc, 4, &isnull));
	policy->description = SPI_getvalue(tuple, tupdesc, 5);
	policy->json = SPI_getvalue(tuple, tupdesc, 6);
	return true;
}

static void
policy_exists(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 errmsg("default policy \"%s\" already exists", name),
			 errhint("Use alter_default_policy() to change it.")));
}

static void
policy_not_found(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("default policy \"%s\" does not exist", name)));
}

/*
 * Validate a policy's expression for its type, or raise; then make sure the
 * canonical text reads back, under the canonical settings, as the same
 * default, so that stored text means what was validated.
 *
 * Reading canonical text back can give a tree PostgreSQL prints otherwise:
 * an implicit array coercion is printed as a cast, '(ARRAY[1])::numeric[]',
 * which the parser then applies to the elements.  The text stored is then
 * the second one, provided it is a fixed point: it reads back as itself,
 * with the same kind and type.
 */
static void
validate_policy(const char *name, const char *expression,
				const char *column_type, int flags, DefaultCheck *check)
{
	DefaultCheck again;

	/* a policy is for every session: it may not name a temporary object */
	dp_check_default(expression, column_type, flags | DP_STORED_FOR_OTHERS,
					 InvalidOid, check);
	if (!check->valid)
		dp_raise_invalid_policy_default(check, name);

	for (int round = 0; round < 2; round++)
	{
		dp_check_default(check->normalized, check->type_name,
						 DP_CANONICAL | DP_STORED_FOR_OTHERS, InvalidOid, &again);
		if (!again.valid || again.kind != check->kind ||
			strcmp(again.type_name, check->type_name) != 0)
			break;
		if (strcmp(again.normalized, check->normalized) == 0)
			return;
		*check = again;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("default expression of policy \"%s\" cannot be stored", name),
			 errdetail("Its canonical text %s does not read back as the same default.",
					   quote_literal_cstr(check->normalized))));
}

/*
 * Insert or update a policy row (sql takes $1 name, $2 type, $3 expression,
 * $4 kind, $5 keep_default, $6 description, $7 session user) and return it
 * as a composite Datum in the upper executor context; (Datum) 0 if the
 * statement wrote no row.
 */
static Datum
write_policy(const char *sql, const char *name, const DefaultCheck *check,
			 bool keep_default, const char *description)
{
	Oid			argtypes[] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID,
	TEXTOID, NAMEOID};
	Datum		values[7];
	char		nulls[7] = "       ";
	bool		isnull;

	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(check->type_name);
	values[2] = CStringGetTextDatum(check->normalized);
	values[3] = CStringGetTextDatum(dp_kind_name(check->kind));
	values[4] = BoolGetDatum(keep_default);
	if (description && description[0] != '\0')
		values[5] = CStringGetTextDatum(description);
	else
		nulls[5] = 'n';
	values[6] = DirectFunctionCall1(namein, CStringGetDatum(session_user_name()));

	if (dp_spi_as_owner(sql, 7, argtypes, values, nulls) != 1)
		return (Datum) 0;
	return SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull),
							 false, -1);
}

static void
audit_policy(const char *action, const char *name, const char *column_type,
			 const char *expression, const char *kind, bool keep_default,
			 const char *detail)
{
	DpAuditEvent event = {0};

	event.action = action;
	event.policy_name = name;
	event.column_type = column_type;
	event.expression = expression;
	event.kind = kind;
	event.kept_default = keep_default ? 1 : 0;
	event.rewrote = -1;
	event.detail = detail;
	(void) dp_audit(&event);
}

/*
 * create_default_policy(name text, column_type text, expression text,
 *						 keep_default boolean DEFAULT false,
 *						 description text DEFAULT NULL)
 *	 RETURNS default_policy
 */
PG_FUNCTION_INFO_V1(create_default_policy);
Datum
create_default_policy(PG_FUNCTION_ARGS)
{
	const char *name = policy_name_arg(fcinfo);
	const char *column_type = required_text(fcinfo, 1, "column type");
	const char *expression = required_text(fcinfo, 2, "default expression");
	bool		keep_default = PG_ARGISNULL(3) ? false : PG_GETARG_BOOL(3);
	const char *description = description_arg(fcinfo, 4);
	DefaultCheck check;
	char	   *existing_type;
	char	   *existing_expression;
	bool		existing_keep;
	StringInfoData detail;
	Datum		row;

	if (lookup_policy(name, &existing_type, &existing_expression, &existing_keep))
		policy_exists(name);
	SPI_connect();
	validate_policy(name, expression, column_type, 0, &check);
	dp_lock_allowlisted(&check);

	/*
	 * A session that creates the same name meanwhile makes this INSERT wait
	 * for it; if it commits, the name is taken.
	 */
	row = write_policy(psprintf("INSERT INTO %s.default_policy AS p"
								" (name, column_type, expression, kind, keep_default,"
								"  description, created_at, updated_at, created_by, updated_by)"
								" VALUES ($1, $2, $3, $4, $5, $6, pg_catalog.now(),"
								"  pg_catalog.now(), $7, $7)"
								" ON CONFLICT (name) DO NOTHING RETURNING p",
								dp_extension_schema_quoted()),
					   name, &check, keep_default, description);
	if (row == (Datum) 0)
		policy_exists(name);

	dp_json_begin(&detail);
	dp_json_add_text(&detail, "description", description);
	audit_policy("create_policy", name, check.type_name, check.normalized,
				 dp_kind_name(check.kind), keep_default, dp_json_end(&detail));
	SPI_finish();

	PG_RETURN_DATUM(row);
}

/*
 * alter_default_policy(name text, column_type text DEFAULT NULL,
 *						expression text DEFAULT NULL,
 *						keep_default boolean DEFAULT NULL,
 *						description text DEFAULT NULL)
 *	 RETURNS default_policy
 *
 * NULL leaves a field as it is; an empty description removes it.  A new
 * type re-validates the expression against it.
 */
PG_FUNCTION_INFO_V1(alter_default_policy);
Datum
alter_default_policy(PG_FUNCTION_ARGS)
{
	const char *name = policy_name_arg(fcinfo);
	const char *column_type = arg_text(fcinfo, 1);
	const char *expression = arg_text(fcinfo, 2);
	const char *description = arg_text(fcinfo, 4);
	bool		keep_default;
	StoredPolicy old;
	DefaultCheck check;
	StringInfoData detail;
	int			flags = 0;
	Datum		row;

	if (column_type == NULL && expression == NULL && PG_ARGISNULL(3) &&
		description == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no change given for default policy \"%s\"", name),
				 errhint("Pass at least one of column_type, expression, keep_default and description.")));

	SPI_connect();
	if (!read_policy(name, true, &old))
		policy_not_found(name);

	/* what is not given is kept, and kept texts are canonical */
	if (column_type == NULL)
	{
		column_type = old.column_type;
		flags |= DP_CANONICAL_TYPE;
	}
	if (expression == NULL)
	{
		expression = old.expression;
		flags |= DP_CANONICAL_EXPR;
	}
	keep_default = PG_ARGISNULL(3) ? old.keep_default : PG_GETARG_BOOL(3);
	if (description == NULL)
		description = old.description;

	validate_policy(name, expression, column_type, flags, &check);
	dp_lock_allowlisted(&check);

	row = write_policy(psprintf("UPDATE %s.default_policy AS p SET"
								" column_type = $2, expression = $3, kind = $4,"
								" keep_default = $5, description = $6,"
								" updated_at = pg_catalog.now(), updated_by = $7"
								" WHERE name OPERATOR(pg_catalog.=) $1 RETURNING p",
								dp_extension_schema_quoted()),
					   name, &check, keep_default, description);
	if (row == (Datum) 0)
		elog(ERROR, "could not update default policy \"%s\"", name);

	dp_json_begin(&detail);
	dp_json_add_raw(&detail, "old", old.json);
	audit_policy("alter_policy", name, check.type_name, check.normalized,
				 dp_kind_name(check.kind), keep_default, dp_json_end(&detail));
	SPI_finish();

	PG_RETURN_DATUM(row);
}

/* drop_default_policy(name text) RETURNS void */
PG_FUNCTION_INFO_V1(drop_default_policy);
Datum
drop_default_policy(PG_FUNCTION_ARGS)
{
	const char *name = policy_name_arg(fcinfo);
	Oid			argtypes[] = {TEXTOID};
	Datum		values[1];
	StoredPolicy old;
	StringInfoData detail;

	SPI_connect();
	if (!read_policy(name, true, &old))
		policy_not_found(name);

	values[0] = CStringGetTextDatum(name);
	dp_spi_as_owner(psprintf("DELETE FROM %s.default_policy"
							 " WHERE name OPERATOR(pg_catalog.=) $1",
							 dp_extension_schema_quoted()),
					1, argtypes, values, NULL);

	dp_json_begin(&detail);
	dp_json_add_raw(&detail, "old", old.json);
	audit_policy("drop_policy", name, old.column_type, old.expression,
				 old.kind, old.keep_default, dp_json_end(&detail));
	SPI_finish();

	PG_RETURN_VOID();
}

/* The columns of default_policy that are read directly, by position. */
enum
{
	Anum_policy_name = 1,
	Anum_policy_column_type,
	Anum_policy_expression,
	Anum_policy_kind,
	Anum_policy_keep_default
};

/* default_policy and its primary key, looked up once; see lookup_policy */
static Oid	policy_relid = InvalidOid;
static Oid	policy_indexid = InvalidOid;

static void
policy_invalidate(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == policy_relid || relid == policy_indexid)
		policy_relid = policy_indexid = InvalidOid;
}

void
dp_init_policy(void)
{
	CacheRegisterRelcacheCallback(policy_invalidate, (Datum) 0);
}

/*
 * Read a policy's type, expression and keep_default by name, under the
 * active snapshot, with one probe of the primary key: adding a column with
 * a policy does this on every call, and needs no statement for it.
 * Returns false if there is no such policy.  The strings are palloc'd.
 */
static bool
lookup_policy(const char *name, char **column_type, char **expression,
			  bool *keep_default)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	bool		found;

	if (!OidIsValid(policy_relid))
	{
		Oid			relid = dp_extension_relid("default_policy");

		rel = table_open(relid, AccessShareLock);
		if (strcmp(NameStr(TupleDescAttr(RelationGetDescr(rel), Anum_policy_keep_default - 1)->attname),
				   "keep_default") != 0 ||
			!OidIsValid(RelationGetPrimaryKeyIndex(rel)))
			elog(ERROR, "relation \"default_policy\" does not have the expected columns");
		policy_indexid = RelationGetPrimaryKeyIndex(rel);
		policy_relid = relid;
	}
	else
		rel = table_open(policy_relid, AccessShareLock);

	/* name is text with the database's default collation */
	ScanKeyInit(&key, Anum_policy_name, BTEqualStrategyNumber, F_TEXTEQ,
				CStringGetTextDatum(name));
	key.sk_collation = DEFAULT_COLLATION_OID;
	scan = systable_beginscan(rel, policy_indexid, true,
							  ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot(),
							  1, &key);
	tuple = systable_getnext(scan);
	found = HeapTupleIsValid(tuple);
	if (found)
	{
		TupleDesc	desc = RelationGetDescr(rel);
		bool		isnull;

		*column_type = TextDatumGetCString(heap_getattr(tuple, Anum_policy_column_type,
														desc, &isnull));
		*expression = TextDatumGetCString(heap_getattr(tuple, Anum_policy_expression,
													   desc, &isnull));
		*keep_default = DatumGetBool(heap_getattr(tuple, Anum_policy_keep_default,
												  desc, &isnull));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * Validate a stored policy again, as it is now, for use: read under the
 * canonical search_path, against the allowlist as it is now.  Raises if the
 * policy does not exist or is no longer valid.  Used by
 * default_policy_value() and by adding a column with a policy, which
 * passes the target table's owner to evaluate as.
 */
void
dp_policy_check(const char *name, Oid owner, DefaultCheck *check,
				bool *keep_default)
{
	char	   *expression;
	char	   *column_type;

	if (!lookup_policy(name, &column_type, &expression, keep_default))
		policy_not_found(name);
	dp_check_default(expression, column_type, DP_CANONICAL, owner, check);
	if (!check->valid)
		dp_raise_invalid_policy_default(check, name);
}

/*
 * default_policy_value(name text) RETURNS text
 *
 * The value the policy gives now, as text.  This evaluates the expression
 * as the caller: nextval() takes a number from its sequence.
 */
PG_FUNCTION_INFO_V1(default_policy_value);
Datum
default_policy_value(PG_FUNCTION_ARGS)
{
	const char *name = policy_name_arg(fcinfo);
	DefaultCheck check;
	bool		keep_default;
	EState	   *estate;
	ExprState  *exprstate;
	Datum		value;
	bool		isnull;
	Oid			typoutput;
	bool		typisvarlena;
	char	   *result;

	dp_policy_check(name, InvalidOid, &check, &keep_default);

	estate = CreateExecutorState();
	exprstate = ExecPrepareExpr((Expr *) check.expr, estate);
	value = ExecEvalExpr(exprstate, GetPerTupleExprContext(estate), &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("default expression of policy \"%s\" evaluates to null", name)));
	getTypeOutputInfo(check.typid, &typoutput, &typisvarlena);
	result = OidOutputFunctionCall(typoutput, value);
	FreeExecutorState(estate);

	PG_RETURN_TEXT_P(cstring_to_text(result));
}
