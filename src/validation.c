/*-------------------------------------------------------------------------
 *
 * validation.c
 *	  The validation engine: is a text a good default for a column type?
 *
 * dp_check_default() is the one entry point.  It parses the text with the
 * server's own parser, analyses and coerces it exactly as a column default
 * would be (cookDefault() in catalog/heap.c), and classifies the analysed
 * tree by function OID:
 *
 *	 static    only constants and built-in immutable functions; evaluated once
 *			   here, so typmods, domain CHECKs and NOT NULL are proven now
 *	 dynamic   at least one function from default_policy_allowlist, and
 *			   otherwise only what a static default may hold
 *	 invalid   anything else, with the reason an error would give
 *
 * Classification looks at the tree before planning: once a user's SQL
 * function is inlined, or a public.now() shadowing pg_catalog.now() is
 * folded, the evidence is gone.
 *
 * The hard part is containment.  A bad expression must never raise out of
 * dp_check_default(), so the whole check runs in a subtransaction and any
 * error becomes the verdict's reason (except cancellation and resource
 * errors, which are re-thrown).  And validation must never execute code
 * that is not immutable: the only evaluation is that of a static default,
 * after classification has proven it holds nothing else, and after the
 * column type's domain CHECKs have been proven immutable too.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "access/transam.h"
#include "catalog/heap.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_type.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/ruleutils.h"
#include "utils/typcache.h"

/* State of the classification walk over an analysed expression. */
typedef struct ClassifyContext
{
	DefaultCheck *check;
	bool		dynamic;		/* an allowlisted function was seen */
	bool		user_function;	/* ... and one of them is user-defined */
} ClassifyContext;

/* The arguments of one check, for dp_try_in_subtransaction(). */
typedef struct CheckArgs
{
	const char *expression;
	const char *column_type;
	int			flags;
	DefaultCheck *check;
} CheckArgs;

/* A special datetime literal found in the raw parse tree. */
typedef struct SpecialLiteral
{
	int			location;
	const char *word;
} SpecialLiteral;

/* The special datetime inputs that freeze one instant at DDL time. */
static const struct
{
	const char *word;
	const char *hint;
}			special_inputs[] =
{
	{"now", "Use now() or CURRENT_TIMESTAMP for the time of each insert."},
	{"today", "Use CURRENT_DATE for the date of each insert."},
	{"tomorrow", "Use CURRENT_DATE + 1 for the day after each insert."},
	{"yesterday", "Use CURRENT_DATE - 1 for the day before each insert."},
};

static void check_default_guts(const char *expression, const char *column_type,
							   int flags, DefaultCheck *check);
static void check_default_work(void *arg);
static bool collect_special_literals(Node *node, List **found);
static bool refuse_special_literal(Node *node, List *specials,
								   DefaultCheck *check);
static bool type_holds_datetime(Oid typid);
static bool classify_walker(Node *node, ClassifyContext *context);
static bool classify_function(Oid funcid, void *context);
static bool refuse(DefaultCheck *check, int sqlstate, char *message,
				   char *detail, char *hint);
static bool refuse_mutable_domain(Oid typid, DefaultCheck *check);
static char *canonical_deparse(Node *expr, Oid typid, int32 typmod,
							   char **type_name);

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

/*
 * Validate expression as a default for a column of type column_type.
 *
 * Never raises for bad input: the verdict, and the error that an invalid
 * default would raise, are in *check.  Either argument may be NULL.
 *
 * flags say which texts the extension stored itself (a policy's expression
 * and type, DP_CANONICAL_*): those are read under DP_CANONICAL_SEARCH_PATH,
 * as they were written; the others under the caller's search_path.
 */
void
dp_check_default(const char *expression, const char *column_type,
				 int flags, Oid owner, DefaultCheck *check)
{
	CheckArgs	args;
	ErrorData  *edata;
	int			errclass;

	memset(check, 0, sizeof(DefaultCheck));
	check->kind = DEFAULT_KIND_INVALID;
	check->typmod = -1;

	if (column_type == NULL)
	{
		refuse(check, ERRCODE_NULL_VALUE_NOT_ALLOWED,
			   pstrdup("column type must not be null"), NULL, NULL);
		return;
	}
	if (expression == NULL)
	{
		refuse(check, ERRCODE_NULL_VALUE_NOT_ALLOWED,
			   pstrdup("default expression must not be null"), NULL, NULL);
		return;
	}

	/*
	 * Everything that can fail runs in a subtransaction, so that an error
	 * leaves no trace but the reason.
	 */
	args.expression = expression;
	args.column_type = column_type;
	args.flags = flags;
	args.check = check;
	edata = dp_try_in_subtransaction(check_default_work, &args, false);
	if (edata == NULL)
		return;

	/* not the expression's fault: let it propagate */
	errclass = ERRCODE_TO_CATEGORY(edata->sqlerrcode);
	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
		errclass == ERRCODE_INSUFFICIENT_RESOURCES ||
		errclass == ERRCODE_OPERATOR_INTERVENTION ||
		errclass == ERRCODE_SYSTEM_ERROR ||
		errclass == ERRCODE_INTERNAL_ERROR)
		ReThrowError(edata);

	/* what was proven before the error stays; the verdict is invalid */
	check->rewrites = false;
	refuse(check, edata->sqlerrcode, edata->message, edata->detail,
		   edata->hint);
}

static void
check_default_work(void *arg)
{
	CheckArgs  *args = (CheckArgs *) arg;

	check_default_guts(args->expression, args->column_type, args->flags,
					   args->check);
}

/*
 * The check itself.  Raises on anything wrong with the input; records the
 * refusals it decides itself with refuse() and returns.
 */
static void
check_default_guts(const char *expression, const char *column_type,
				   int flags, DefaultCheck *check)
{
	Node	   *raw;
	Node	   *expr;
	Node	   *planned;
	Oid			exprtype;
	List	   *specials = NIL;
	ParseState *pstate;
	ClassifyContext context;

	int			nestlevel;

	/* the column type, typmod included, as CREATE TABLE would take it */
	nestlevel = dp_enter_search_path(flags & DP_CANONICAL_TYPE);
	parseTypeString(column_type, &check->typid, &check->typmod, false);
	AtEOXact_GUC(true, nestlevel);
	if (get_typtype(check->typid) == TYPTYPE_PSEUDO)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("type %s is a pseudo-type and cannot be a column type",
						format_type_be(check->typid))));
	CheckAttributeType("new column", check->typid,
					   get_typcollation(check->typid), NIL, 0);

	raw = dp_parse_expression(expression);
	check->raw = raw;
	check->canonical_input = (flags & DP_CANONICAL_EXPR) != 0;
	collect_special_literals(raw, &specials);

	/* analyse and coerce as cookDefault() does for ALTER TABLE */
	nestlevel = dp_enter_search_path(flags & DP_CANONICAL_EXPR);
	pstate = make_parsestate(NULL);
	pstate->p_sourcetext = expression;
	expr = transformExpr(pstate, raw, EXPR_KIND_COLUMN_DEFAULT);
	exprtype = exprType(expr);
	expr = coerce_to_target_type(pstate, expr, exprtype,
								 check->typid, check->typmod,
								 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (expr == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("default expression is of type %s, but the column is of type %s",
						format_type_be(exprtype),
						format_type_with_typemod(check->typid, check->typmod)),
				 errhint("You will need to rewrite or cast the expression.")));
	assign_expr_collations(pstate, expr);
	free_parsestate(pstate);
	AtEOXact_GUC(true, nestlevel);

	check->expr = expr;
	check->normalized = canonical_deparse(expr, check->typid, check->typmod,
										  &check->type_name);

	if (refuse_special_literal(expr, specials, check))
		return;

	context.check = check;
	context.dynamic = false;
	context.user_function = false;
	if (classify_walker(expr, &context))
		return;

	/*
	 * PostgreSQL's own rule for ADD COLUMN (ATExecAddColumn): the table is
	 * rewritten when the planned default contains a volatile function or the
	 * column's type is a domain with constraints.  Planning folds immutable
	 * code, so it is skipped when the tree calls an allowlisted user
	 * function: validation runs no user code.  The verdict on volatility is
	 * then taken from the unplanned tree, which differs only when an inlined
	 * SQL function's body is less volatile than its declaration.
	 */
	if (context.user_function)
		planned = expr;
	else
		planned = (Node *) expression_planner((Expr *) copyObject(expr));
	check->rewrites = DomainHasConstraints(check->typid) ||
		contain_volatile_functions(planned);

	if (context.dynamic)
	{
		check->kind = DEFAULT_KIND_DYNAMIC;
		check->valid = true;
		return;
	}

	/* static: evaluate once, which applies typmods and domain CHECKs */
	{
		EState	   *estate = CreateExecutorState();
		ExprState  *exprstate = ExecPrepareExpr((Expr *) planned, estate);
		bool		isnull;

		(void) ExecEvalExpr(exprstate, GetPerTupleExprContext(estate), &isnull);
		FreeExecutorState(estate);
		if (isnull)
		{
			refuse(check, ERRCODE_NOT_NULL_VIOLATION,
				   pstrdup("default expression evaluates to null"),
				   pstrdup("A default for a NOT NULL column must give a value."),
				   NULL);
			return;
		}
	}
	check->kind = DEFAULT_KIND_STATIC;
	check->valid = true;
}

/*
 * Parse text into exactly one expression, or raise.  The PL/pgSQL
 * expression grammar accepts a whole SELECT without the keyword, so every
 * clause but a single-item target list must be empty.
 */
Node *
dp_parse_expression(const char *expression)
{
	List	   *stmts;
	SelectStmt *select;
	ResTarget  *target;

	stmts = raw_parser(expression, RAW_PARSE_PLPGSQL_EXPR);
	if (list_length(stmts) != 1 ||
		!IsA(linitial_node(RawStmt, stmts)->stmt, SelectStmt))
		elog(ERROR, "unexpected result of parsing a default expression");

	select = (SelectStmt *) linitial_node(RawStmt, stmts)->stmt;
	if (list_length(select->targetList) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("default expression is empty")));
	if (select->distinctClause || select->intoClause || select->fromClause ||
		select->whereClause || select->groupClause || select->havingClause ||
		select->windowClause || select->valuesLists || select->sortClause ||
		select->limitOffset || select->limitCount || select->lockingClause ||
		select->withClause || select->op != SETOP_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("default expression must be a single expression"),
				 errdetail("Clauses such as FROM, WHERE or ORDER BY are not allowed in a default.")));
	if (list_length(select->targetList) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("default expression must be a single expression"),
				 errdetail("A list of %d expressions was given.",
						   list_length(select->targetList))));

	target = linitial_node(ResTarget, select->targetList);
	if (target->name != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("default expression must not have a column alias")));
	if (IsA(target->val, ColumnRef) &&
		IsA(llast(((ColumnRef *) target->val)->fields), A_Star))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("default expression must not be \"*\"")));
	return target->val;
}

/*
 * Raw tree walker: remember every string literal that holds one of the
 * special datetime inputs as a word ('now', ' Today ', 'tomorrow 10:00',
 * '{now}').  Whether it becomes a datetime value is known only after
 * analysis; see refuse_special_literal().
 */
static bool
collect_special_literals(Node *node, List **found)
{
	if (node == NULL)
		return false;
	if (IsA(node, A_Const) && !((A_Const *) node)->isnull &&
		IsA(&((A_Const *) node)->val, String))
	{
		const char *s = strVal(&((A_Const *) node)->val);

		while (*s)
		{
			const char *start;
			size_t		len;

			while (*s && !isalpha((unsigned char) *s))
				s++;
			start = s;
			while (isalpha((unsigned char) *s))
				s++;
			len = s - start;
			for (size_t i = 0; i < lengthof(special_inputs); i++)
			{
				if (len == strlen(special_inputs[i].word) &&
					pg_strncasecmp(start, special_inputs[i].word, len) == 0)
				{
					SpecialLiteral *lit = palloc(sizeof(SpecialLiteral));

					lit->location = ((A_Const *) node)->location;
					lit->word = special_inputs[i].word;
					*found = lappend(*found, lit);
					return false;
				}
			}
		}
		return false;
	}
	return raw_expression_tree_walker(node, collect_special_literals,
									  (void *) found);
}

typedef struct SpecialContext
{
	List	   *specials;
	SpecialLiteral *hit;
} SpecialContext;

static bool
find_special_const(Node *node, SpecialContext *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Const))
	{
		Const	   *con = (Const *) node;
		ListCell   *lc;

		/* coercion keeps the literal's location on the new Const */
		if (con->location < 0 || !type_holds_datetime(con->consttype))
			return false;
		foreach(lc, context->specials)
		{
			SpecialLiteral *lit = lfirst(lc);

			if (lit->location == con->location)
			{
				context->hit = lit;
				return true;
			}
		}
		return false;
	}
	return expression_tree_walker(node, find_special_const, (void *) context);
}

/* Refuse a special literal that became a datetime value. */
static bool
refuse_special_literal(Node *node, List *specials, DefaultCheck *check)
{
	SpecialContext context;

	if (specials == NIL)
		return false;
	context.specials = specials;
	context.hit = NULL;
	if (!find_special_const(node, &context))
		return false;

	for (size_t i = 0; i < lengthof(special_inputs); i++)
	{
		if (strcmp(special_inputs[i].word, context.hit->word) == 0)
			return refuse(check, ERRCODE_INVALID_OBJECT_DEFINITION,
						  psprintf("special datetime input '%s' is not allowed in a default",
								   context.hit->word),
						  psprintf("'%s' is converted to a fixed value once, when the default is created.",
								   context.hit->word),
						  pstrdup(special_inputs[i].hint));
	}
	return false;				/* not reached */
}

/* Is typid a date/time type, or a domain, array or range over one? */
static bool
type_holds_datetime(Oid typid)
{
	Oid			inner;

	typid = getBaseType(typid);
	switch (typid)
	{
		case DATEOID:
		case TIMEOID:
		case TIMETZOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return true;
	}
	if (OidIsValid(inner = get_element_type(typid)))
		return type_holds_datetime(inner);
	if (OidIsValid(inner = get_multirange_range(typid)))
		return type_holds_datetime(inner);
	if (OidIsValid(inner = get_range_subtype(typid)))
		return type_holds_datetime(inner);
	return false;
}

/*
 * Classify every node of the analysed expression.  Returns true, having
 * recorded the reason, at the first thing that makes it invalid.  Node types
 * not listed are refused: a default holds nothing we have not thought about.
 */
static bool
classify_walker(Node *node, ClassifyContext *context)
{
	if (node == NULL)
		return false;

	switch (nodeTag(node))
	{
			/* nodes that call no function of their own */
		case T_List:
		case T_Const:
		case T_BoolExpr:
		case T_RelabelType:
		case T_ConvertRowtypeExpr:
		case T_CollateExpr:
		case T_CaseExpr:
		case T_CaseWhen:
		case T_CaseTestExpr:
		case T_ArrayExpr:
		case T_RowExpr:
		case T_CoalesceExpr:
		case T_NullTest:
		case T_BooleanTest:
		case T_FieldSelect:
			break;

		case T_CoerceToDomain:
			if (refuse_mutable_domain(((CoerceToDomain *) node)->resulttype,
									  context->check))
				return true;
			break;

			/* nodes whose functions check_functions_in_node() knows */
		case T_FuncExpr:
		case T_OpExpr:
		case T_DistinctExpr:
		case T_NullIfExpr:
		case T_ScalarArrayOpExpr:
		case T_RowCompareExpr:
		case T_CoerceViaIO:
		case T_ArrayCoerceExpr:
			if (check_functions_in_node(node, classify_function, context))
				return true;
			break;

		case T_MinMaxExpr:
			{
				TypeCacheEntry *tce;

				tce = lookup_type_cache(((MinMaxExpr *) node)->minmaxtype,
										TYPECACHE_CMP_PROC);
				if (classify_function(tce->cmp_proc, context))
					return true;
				break;
			}

		case T_SubscriptingRef:
			if (classify_function(get_typsubscript(((SubscriptingRef *) node)->refcontainertype, NULL),
								  context))
				return true;
			break;

		case T_SQLValueFunction:
			{
				Oid			funcid;

				/* the function each SQL value function stands for */
				switch (((SQLValueFunction *) node)->op)
				{
					case SVFOP_CURRENT_DATE:
					case SVFOP_CURRENT_TIME:
					case SVFOP_CURRENT_TIME_N:
					case SVFOP_CURRENT_TIMESTAMP:
					case SVFOP_CURRENT_TIMESTAMP_N:
					case SVFOP_LOCALTIME:
					case SVFOP_LOCALTIME_N:
					case SVFOP_LOCALTIMESTAMP:
					case SVFOP_LOCALTIMESTAMP_N:
						funcid = F_NOW;
						break;
					case SVFOP_CURRENT_ROLE:
					case SVFOP_CURRENT_USER:
					case SVFOP_USER:
						funcid = F_CURRENT_USER;
						break;
					case SVFOP_SESSION_USER:
						funcid = F_SESSION_USER;
						break;
					case SVFOP_CURRENT_CATALOG:
						funcid = F_CURRENT_DATABASE;
						break;
					case SVFOP_CURRENT_SCHEMA:
						funcid = F_CURRENT_SCHEMA;
						break;
					default:
						elog(ERROR, "unrecognized SQLValueFunction op: %d",
							 (int) ((SQLValueFunction *) node)->op);
				}
				if (classify_function(funcid, context))
					return true;
				break;
			}

		case T_XmlExpr:
			return refuse(context->check, ERRCODE_FEATURE_NOT_SUPPORTED,
						  pstrdup("XML functions are not supported in a default"),
						  NULL, NULL);

		default:
			return refuse(context->check, ERRCODE_FEATURE_NOT_SUPPORTED,
						  psprintf("default expression contains an unsupported construct (node type %d)",
								   (int) nodeTag(node)),
						  NULL, NULL);
	}

	return expression_tree_walker(node, classify_walker, (void *) context);
}

/*
 * Classify one function by OID: allowlisted (dynamic), built-in immutable
 * (static) or refused.  "Built-in" means created by initdb.
 */
static bool
classify_function(Oid funcid, void *arg)
{
	ClassifyContext *context = (ClassifyContext *) arg;
	char	   *name;

	if (dp_function_is_allowlisted(funcid))
	{
		context->dynamic = true;
		context->user_function |= (funcid >= FirstNormalObjectId);
		context->check->allowlisted =
			list_append_unique_oid(context->check->allowlisted, funcid);
		return false;
	}
	if (funcid < FirstNormalObjectId &&
		func_volatile(funcid) == PROVOLATILE_IMMUTABLE)
		return false;

	name = format_procedure_extended(funcid, FORMAT_PROC_FORCE_QUALIFY);
	if (funcid >= FirstNormalObjectId)
		return refuse(context->check, ERRCODE_INVALID_OBJECT_DEFINITION,
					  psprintf("function %s is not allowed in a default", name),
					  pstrdup("User-defined functions are allowed only when they are on the allowlist, whatever their volatility."),
					  pstrdup("Add the function with allow_default_function() if every migration may call it."));
	return refuse(context->check, ERRCODE_INVALID_OBJECT_DEFINITION,
				  psprintf("function %s is not allowed in a default", name),
				  psprintf("The function is %s and is not on the allowlist.",
						   func_volatile(funcid) == PROVOLATILE_STABLE ?
						   "stable" : "volatile"),
				  NULL);
}

/*
 * A coercion to a domain runs the domain's CHECKs, and a static default is
 * evaluated during validation: refuse a domain whose CHECKs call anything
 * that validation may not call.
 */
static bool
refuse_mutable_domain(Oid typid, DefaultCheck *check)
{
	DomainConstraintRef *ref = palloc(sizeof(DomainConstraintRef));
	ListCell   *lc;

	/* ref must live as long as the context: it registers a reset callback */
	InitDomainConstraintRef(typid, ref, CurrentMemoryContext, false);
	foreach(lc, ref->constraints)
	{
		DomainConstraintState *con = lfirst(lc);

		if (con->check_expr && contain_mutable_functions((Node *) con->check_expr))
			return refuse(check, ERRCODE_INVALID_OBJECT_DEFINITION,
						  psprintf("constraint \"%s\" of domain %s is not immutable",
								   con->name, format_type_be(typid)),
						  pstrdup("Validation checks a default against its domain, and must not call code that is not immutable."),
						  NULL);
	}
	return false;
}

/* Record why the default is invalid.  Returns true, for the walkers. */
static bool
refuse(DefaultCheck *check, int sqlstate, char *message, char *detail,
	   char *hint)
{
	check->valid = false;
	check->kind = DEFAULT_KIND_INVALID;
	check->sqlstate = sqlstate;
	check->message = message;
	check->detail = detail;
	check->hint = hint;
	return true;
}

/*
 * Canonical text of an analysed expression, and of the column type: written
 * under DP_CANONICAL_SEARCH_PATH, so that every object outside pg_catalog is
 * schema-qualified, and with pg_dump's output settings, so that literals
 * read back the same under any DateStyle.
 */
static char *
canonical_deparse(Node *expr, Oid typid, int32 typmod, char **type_name)
{
	int			nestlevel = dp_enter_canonical_output();
	char	   *text;

	text = deparse_expression(expr, NIL, false, false);
	*type_name = format_type_with_typemod(typid, typmod);

	AtEOXact_GUC(true, nestlevel);
	return text;
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

	if (check->message == NULL || check->message[0] == '\0')
		ereport(ERROR,
				(errcode(check->sqlstate),
				 errmsg("default is not valid: error with SQLSTATE %s",
						unpack_sql_state(check->sqlstate))));
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

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

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

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}
