/*-------------------------------------------------------------------------
 *
 * validation.c
 *	  The validation engine: is this a good default for that column type?
 *
 * Three entry points, one verdict (DefaultCheck):
 *
 *	 dp_check_default()  text a user typed, or canonical text the extension
 *						 stored, with a column type as text
 *	 dp_check_raw()		 the raw tree of a DEFAULT clause in a DDL statement,
 *						 before PostgreSQL analyses it (enforcement)
 *	 dp_check_stored()	 a default PostgreSQL stored (pg_attrdef.adbin):
 *						 classified from the tree, never re-parsed
 *
 * Each reads as its list of steps, one file per stage, as cookDefault() in
 * catalog/heap.c reads: resolve the type and prove it safe (parse.c,
 * typesafe.c), parse, prove the named types safe, analyse (parse.c); then,
 * on the analysed tree, prove every node's type safe, refuse frozen
 * literals, write the canonical text (canonical.c), classify (classify.c),
 * decide whether ADD COLUMN rewrites, and evaluate a static default
 * (evaluate.c).  Each stage raises for what it refuses.
 *
 * The hard part is containment.  The steps run in a subtransaction that is
 * always rolled back, whatever the verdict: nothing validation did stays,
 * not even the caller's settings changed.  Every error becomes the
 * verdict, except those that are not the expression's fault (a cancel, no
 * memory, a serialization failure or deadlock, a lock timeout), which are
 * raised as themselves.  And the whole check runs under
 * SECURITY_RESTRICTED_OPERATION, though by construction it runs no code
 * but PostgreSQL's own immutable functions.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

/* The arguments of one check, for dp_try_in_subtransaction(). */
typedef struct CheckArgs
{
	const char *expression;		/* text, or NULL for a stored tree */
	const char *column_type;
	const TypeName *type_name;	/* a raw tree's column type, or NULL */
	Node	   *raw;			/* a raw tree */
	Node	   *stored;			/* a stored tree */
	int			flags;
	Oid			owner;
	DefaultCheck *check;
	List	   *frozen;			/* literals that may freeze a date or time */
	bool		analysing;		/* in dp_analyse(), PostgreSQL's own analysis */
} CheckArgs;

static void check_text(void *arg);
static void check_raw(void *arg);
static void check_stored(void *arg);
static void check_tree(DefaultCheck *check, Node *expr, List *frozen,
					   Oid owner);
static void run_check(void (*steps) (void *), CheckArgs *args);

const char *
dp_kind_name(DefaultKind kind)
{
	switch (kind)
	{
		case DEFAULT_KIND_STATIC:
			return "static";
		case DEFAULT_KIND_DYNAMIC:
			return "dynamic";
		case DEFAULT_KIND_INVALID:
			break;
	}
	return "invalid";
}

/* An invalid verdict, as the error it would raise. */
static void
refuse(DefaultCheck *check, int sqlstate, char *message, char *detail,
	   char *hint)
{
	check->valid = false;
	check->kind = DEFAULT_KIND_INVALID;
	check->rewrites = false;
	check->sqlstate = sqlstate;
	check->message = message;
	check->detail = detail;
	check->hint = hint;
}

static void
init_check(DefaultCheck *check)
{
	memset(check, 0, sizeof(DefaultCheck));
	check->kind = DEFAULT_KIND_INVALID;
	check->typmod = -1;
}

/*
 * The checks of text, once *check is set up: column_type NULL means the
 * type is already in *check.
 */
static void
check_expression_text(const char *expression, const char *column_type,
					  int flags, Oid owner, DefaultCheck *check)
{
	CheckArgs	args = {0};

	if (expression == NULL)
	{
		refuse(check, ERRCODE_NULL_VALUE_NOT_ALLOWED,
			   pstrdup("default expression must not be null"), NULL, NULL);
		return;
	}
	args.expression = expression;
	args.column_type = column_type;
	args.flags = flags;
	args.owner = owner;
	args.check = check;
	run_check(check_text, &args);
}

/*
 * Validate expression as a default for a column of type column_type.
 *
 * Never raises for bad input: the verdict, and the error that an invalid
 * default would raise, are in *check.  Either text may be NULL.
 *
 * flags say which texts the extension stored itself (a policy's expression
 * and type, DP_CANONICAL_*): those are read under the canonical settings
 * (canonical.c), as they were written; the others under the caller's.
 * owner evaluates what must be evaluated (InvalidOid: the current user).
 */
void
dp_check_default(const char *expression, const char *column_type,
				 int flags, Oid owner, DefaultCheck *check)
{
	init_check(check);
	if (column_type == NULL)
	{
		refuse(check, ERRCODE_NULL_VALUE_NOT_ALLOWED,
			   pstrdup("column type must not be null"), NULL, NULL);
		return;
	}
	check_expression_text(expression, column_type, flags, owner, check);
}

/*
 * Validate expression as a default for a column whose type is known, as
 * for an existing column: the type is not named and parsed again.
 */
void
dp_check_default_typed(const char *expression, Oid typid, int32 typmod,
					   Oid owner, DefaultCheck *check)
{
	init_check(check);
	check->typid = typid;
	check->typmod = typmod;
	check_expression_text(expression, NULL, 0, owner, check);
}

/* The checks of a tree in args, for a column of type typid/typmod. */
static void
check_tree_for(void (*steps) (void *), CheckArgs *args, Oid typid,
			   int32 typmod, Oid owner, DefaultCheck *check)
{
	init_check(check);
	check->typid = typid;
	check->typmod = typmod;
	args->owner = owner;
	args->check = check;
	run_check(steps, args);
}

/*
 * Validate the raw tree of a DEFAULT clause, as a DDL statement holds it
 * before parse analysis, for a column of the type type_name names (resolved
 * here, typmod included) or, when type_name is NULL, of typid/typmod.  The
 * tree is copied, not changed.  As for dp_check_default(), never raises
 * for a bad default.
 */
void
dp_check_raw(Node *raw, const TypeName *type_name, Oid typid, int32 typmod,
			 Oid owner, DefaultCheck *check)
{
	CheckArgs	args = {0};

	args.raw = raw;
	args.type_name = type_name;
	check_tree_for(check_raw, &args, typid, typmod, owner, check);
}

/*
 * Validate a default PostgreSQL stored, the analysed tree from
 * pg_attrdef.adbin, for a column of type typid/typmod.  As for
 * dp_check_default(), never raises for a bad default.
 */
void
dp_check_stored(Node *expr, Oid typid, int32 typmod, Oid owner,
				DefaultCheck *check)
{
	CheckArgs	args = {0};

	args.stored = expr;
	check_tree_for(check_stored, &args, typid, typmod, owner, check);
}

/*
 * Run the steps in a subtransaction that is always rolled back, under
 * SECURITY_RESTRICTED_OPERATION, and turn an error into the verdict.
 */
static void
run_check(void (*steps) (void *), CheckArgs *args)
{
	ErrorData  *edata;
	int			sqlstate;

	edata = dp_try_in_subtransaction(steps, args, false);
	if (edata == NULL)
		return;

	/* not the expression's fault: raise it as itself */
	sqlstate = edata->sqlerrcode;
	if (sqlstate == ERRCODE_QUERY_CANCELED ||
		sqlstate == ERRCODE_OUT_OF_MEMORY ||
		sqlstate == ERRCODE_LOCK_NOT_AVAILABLE ||
		ERRCODE_TO_CATEGORY(sqlstate) == ERRCODE_TRANSACTION_ROLLBACK)
		ReThrowError(edata);

	/* a reason is never empty: name the SQLSTATE of an error that has none */
	if (edata->message == NULL || edata->message[0] == '\0')
		edata->message = psprintf("default expression raised an error with SQLSTATE %s and no message",
								  unpack_sql_state(sqlstate));

	/*
	 * An internal error (class XX: "tsquery stack too small" for a deep
	 * literal, a cache lookup that failed) is PostgreSQL's refusal of this
	 * default, not a fault of the extension: the verdict's SQLSTATE, which
	 * the column and policy functions raise, is the engine's own.
	 */
	if (ERRCODE_TO_CATEGORY(sqlstate) == ERRCODE_INTERNAL_ERROR)
	{
		edata->detail = psprintf("PostgreSQL raised an internal error (SQLSTATE %s) on this default.",
								 unpack_sql_state(sqlstate));
		sqlstate = ERRCODE_INVALID_OBJECT_DEFINITION;
	}
	refuse(args->check, sqlstate, edata->message, edata->detail, edata->hint);
	args->check->postgres_refuses = args->analysing;
}

/* Enter SECURITY_RESTRICTED_OPERATION; the subtransaction's end leaves it. */
static void
enter_restricted(void)
{
	Oid			userid;
	int			sec_context;

	GetUserIdAndSecContext(&userid, &sec_context);
	SetUserIdAndSecContext(userid, sec_context | SECURITY_RESTRICTED_OPERATION);
}

/*
 * Prove again that the verdict's types are safe, raising if not.  The
 * column functions call this once they hold their table lock: a domain's
 * owner may have added a CHECK since validation, and the ALTER TABLE that
 * follows evaluates the default as the caller, as PostgreSQL always does.
 */
void
dp_recheck_safety(const DefaultCheck *check)
{
	dp_require_safe_type(check->typid);
	dp_require_safe_node_types(check->expr);
}

/*
 * Run step(args) under the canonical settings when canonical is true (for
 * text the extension stored itself), else under the caller's.
 */
static void
under_settings(bool canonical, void (*step) (CheckArgs *), CheckArgs *args)
{
	DpCanonical saved;

	if (!canonical)
	{
		step(args);
		return;
	}
	dp_canonical_begin(&saved, true, false);
	PG_TRY();
	{
		step(args);
	}
	PG_FINALLY();
	{
		dp_canonical_end(&saved);
	}
	PG_END_TRY();
}

/* Resolve the column type, typmod included. */
static void
parse_type_step(CheckArgs *args)
{
	dp_parse_column_type(args->column_type, &args->check->typid,
						 &args->check->typmod);
}

/*
 * Parse the expression, prove the types it names safe, and analyse it:
 * one step, because all three must see the same settings.
 */
static void
parse_expression_step(CheckArgs *args)
{
	DefaultCheck *check = args->check;

	check->raw = dp_parse_expression(args->expression);
	dp_require_safe_named_types(check->raw);
	args->frozen = dp_find_frozen_literals(check->raw);
	args->analysing = true;
	check->expr = dp_analyse(check->raw, args->expression,
							 check->typid, check->typmod);
	args->analysing = false;
}

/* The steps for text. */
static void
check_text(void *arg)
{
	CheckArgs  *args = (CheckArgs *) arg;
	DefaultCheck *check = args->check;

	enter_restricted();

	if (args->column_type != NULL)
		under_settings((args->flags & DP_CANONICAL_TYPE) != 0, parse_type_step,
					   args);
	dp_require_safe_type(check->typid);

	check->canonical_input = (args->flags & DP_CANONICAL_EXPR) != 0;
	under_settings(check->canonical_input, parse_expression_step, args);

	if (args->flags & DP_STORED_FOR_OTHERS)
		dp_refuse_temporary_objects(check->expr, check->typid);
	check_tree(check, check->expr, args->frozen, args->owner);
}

/* The steps for a raw tree: those for text, without the parsing. */
static void
check_raw(void *arg)
{
	CheckArgs  *args = (CheckArgs *) arg;
	DefaultCheck *check = args->check;

	enter_restricted();
	if (args->type_name != NULL)
		typenameTypeIdAndMod(NULL, args->type_name, &check->typid,
							 &check->typmod);
	dp_require_safe_type(check->typid);

	check->raw = copyObject(args->raw);
	dp_require_safe_named_types(check->raw);
	args->frozen = dp_find_frozen_literals(check->raw);
	args->analysing = true;
	check->expr = dp_analyse(check->raw, NULL, check->typid, check->typmod);
	args->analysing = false;
	check_tree(check, check->expr, args->frozen, args->owner);
}

/* The steps for a stored tree. */
static void
check_stored(void *arg)
{
	CheckArgs  *args = (CheckArgs *) arg;

	enter_restricted();
	dp_require_safe_type(args->check->typid);
	args->check->expr = args->stored;
	check_tree(args->check, args->stored, NIL, args->owner);
}

/* The steps on an analysed tree, from either source. */
static void
check_tree(DefaultCheck *check, Node *expr, List *frozen, Oid owner)
{
	bool		user_function;

	dp_require_safe_node_types(expr);
	dp_refuse_frozen_literal(expr, frozen);
	check->normalized = dp_canonical_text(expr, check->typid, check->typmod,
										  &check->type_name);
	user_function = dp_classify(expr, &check->kind, &check->allowlisted);
	check->rewrites = dp_rewrites(expr, check->typid, user_function);
	if (check->kind == DEFAULT_KIND_STATIC)
		dp_evaluate_static(expr, owner);
	check->valid = true;
}

/* The reason for an invalid verdict as one readable text. */
char *
dp_check_reason(const DefaultCheck *check)
{
	StringInfoData buf;

	if (check->message == NULL)
		return NULL;
	initStringInfo(&buf);
	appendStringInfoString(&buf, check->message);
	if (check->detail || check->hint)
		appendStringInfoChar(&buf, '.');
	if (check->detail)
		appendStringInfo(&buf, " %s", check->detail);
	if (check->hint)
		appendStringInfo(&buf, " %s", check->hint);
	return buf.data;
}

/*
 * Raise the error for an invalid default: the engine's own message, detail
 * and hint, and a context line that says which default it was.
 */
static void
invalid_column_context(void *arg)
{
	const char **names = (const char **) arg;

	errcontext("default for column \"%s\" of table \"%s\"", names[0], names[1]);
}

static void
invalid_policy_context(void *arg)
{
	errcontext("default policy \"%s\"", (const char *) arg);
}

static void
raise_invalid(const DefaultCheck *check, void (*context) (void *), void *arg)
{
	ErrorContextCallback callback;

	callback.callback = context;
	callback.arg = arg;
	callback.previous = error_context_stack;
	error_context_stack = &callback;

	ereport(ERROR,
			(errcode(check->sqlstate),
			 errmsg_internal("%s", check->message),
			 check->detail ? errdetail_internal("%s", check->detail) : 0,
			 check->hint ? errhint("%s", check->hint) : 0));
}

void
dp_raise_invalid_column_default(const DefaultCheck *check, const char *column,
								const char *relname)
{
	const char *names[2] = {column, relname};

	raise_invalid(check, invalid_column_context, names);
}

void
dp_raise_invalid_policy_default(const DefaultCheck *check, const char *policy)
{
	raise_invalid(check, invalid_policy_context, (void *) policy);
}

/*
 * check_default(expression text, column_type text)
 *	 RETURNS TABLE(valid boolean, kind text, normalized text,
 *				   rewrites boolean, reason text)
 */
PG_FUNCTION_INFO_V1(check_default);
Datum
check_default(PG_FUNCTION_ARGS)
{
	DefaultCheck check;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {0};

	/* the row type, blessed once per call site */
	tupdesc = (TupleDesc) fcinfo->flinfo->fn_extra;
	if (tupdesc == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		tupdesc = BlessTupleDesc(tupdesc);
		fcinfo->flinfo->fn_extra = tupdesc;
		MemoryContextSwitchTo(oldcxt);
	}

	dp_check_default(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)),
					 PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1)),
					 0, InvalidOid, &check);

	/* normalized and rewrites describe a valid default; reason an invalid one */
	values[0] = BoolGetDatum(check.valid);
	values[1] = CStringGetTextDatum(dp_kind_name(check.kind));
	if (check.valid)
	{
		values[2] = CStringGetTextDatum(check.normalized);
		values[3] = BoolGetDatum(check.rewrites);
		nulls[4] = true;
	}
	else
	{
		nulls[2] = nulls[3] = true;
		values[4] = CStringGetTextDatum(dp_check_reason(&check));
	}

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
