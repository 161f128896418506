/*-------------------------------------------------------------------------
 *
 * parse.c
 *	  Parse and analyse: from text to the analysed default, as CREATE and
 *	  ALTER TABLE would make it.
 *
 * The column type is resolved as a column definition resolves it, the
 * expression is parsed with the server's own grammar and analysed and
 * coerced exactly as cookDefault() in catalog/heap.c does.  Both run code:
 * resolving a typmod calls the type's typmodin, and coercing a literal
 * calls the type's input function, which for an array, composite or range
 * of a domain runs the domain's CHECKs.  So the types are proven safe
 * (typesafe.c) before anything here is called on them.
 *
 * Also here, because only the raw tree shows them: the special datetime
 * inputs ('now', 'today', ...), which analysis turns into a constant fixed
 * at DDL time.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "catalog/heap.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_type.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

/* A special datetime literal found in the raw parse tree. */
typedef struct FrozenLiteral
{
	int			location;
	int			word;			/* index into special_inputs */
} FrozenLiteral;

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

static bool type_holds_datetime(Oid typid, int depth);

/*
 * Column types already resolved, by their text.  Resolving one parses a
 * whole statement with the server's grammar, and one statement that
 * validates many defaults names the same few types again and again.  What
 * a name resolves to depends only on the search path and the catalogs of
 * types and schemas: the kept answers hold while the search path is the
 * one they were found under, and go at any change to pg_type or
 * pg_namespace (invalidation callbacks).
 */
#define DP_TYPE_NAMES	32

typedef struct TypeNameCache
{
	bool		valid;
	MemoryContext cxt;
	OverrideSearchPath *path;	/* the search path they were found under */
	int			count;
	int			next;			/* the slot to reuse when full */
	char	   *name[DP_TYPE_NAMES];
	Oid			typid[DP_TYPE_NAMES];
	int32		typmod[DP_TYPE_NAMES];
} TypeNameCache;

static TypeNameCache type_names;

static void
type_names_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	type_names.valid = false;
}

void
dp_init_parse(void)
{
	CacheRegisterSyscacheCallback(TYPEOID, type_names_invalidate, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, type_names_invalidate, (Datum) 0);
}

/* Is this text's type known under the current search path? */
static bool
known_type_name(const char *column_type, Oid *typid, int32 *typmod)
{
	if (!type_names.valid || !OverrideSearchPathMatchesCurrent(type_names.path))
		return false;
	for (int i = 0; i < type_names.count; i++)
	{
		if (strcmp(type_names.name[i], column_type) == 0)
		{
			*typid = type_names.typid[i];
			*typmod = type_names.typmod[i];
			return true;
		}
	}
	return false;
}

static void
remember_type_name(const char *column_type, Oid typid, int32 typmod)
{
	int			slot;

	if (!type_names.valid || !OverrideSearchPathMatchesCurrent(type_names.path))
	{
		if (type_names.cxt == NULL)
			type_names.cxt = AllocSetContextCreate(CacheMemoryContext,
												   "defaults_policy type names",
												   ALLOCSET_SMALL_SIZES);
		MemoryContextReset(type_names.cxt);
		type_names.path = GetOverrideSearchPath(type_names.cxt);
		type_names.count = type_names.next = 0;
		type_names.valid = true;
	}
	slot = type_names.count < DP_TYPE_NAMES ? type_names.count++ :
		type_names.next++ % DP_TYPE_NAMES;
	type_names.name[slot] = MemoryContextStrdup(type_names.cxt, column_type);
	type_names.typid[slot] = typid;
	type_names.typmod[slot] = typmod;
}

/*
 * Resolve a column type, typmod included, as CREATE TABLE would take it,
 * and check that a column may have it.  Its safety must be proven before
 * anything is made of it.
 */
void
dp_parse_column_type(const char *column_type, Oid *typid, int32 *typmod)
{
	if (known_type_name(column_type, typid, typmod))
		return;
	parseTypeString(column_type, typid, typmod, false);
	if (get_typtype(*typid) == TYPTYPE_PSEUDO)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("type %s is a pseudo-type and cannot be a column type",
						format_type_be(*typid))));
	CheckAttributeType("new column", *typid, get_typcollation(*typid), NIL, 0);
	remember_type_name(column_type, *typid, *typmod);
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
 * Analyse and coerce a raw default for a column of type typid/typmod, as
 * cookDefault() does for ALTER TABLE.  source is the text, for error
 * positions.
 */
Node *
dp_analyse(Node *raw, const char *source, Oid typid, int32 typmod)
{
	ParseState *pstate = make_parsestate(NULL);
	Node	   *expr;
	Oid			exprtype;

	pstate->p_sourcetext = source;
	expr = transformExpr(pstate, copyObject(raw), EXPR_KIND_COLUMN_DEFAULT);
	exprtype = exprType(expr);
	expr = coerce_to_target_type(pstate, expr, exprtype, typid, typmod,
								 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (expr == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("default expression is of type %s, but the column is of type %s",
						format_type_be(exprtype),
						format_type_with_typemod(typid, typmod)),
				 errhint("You will need to rewrite or cast the expression.")));
	assign_expr_collations(pstate, expr);
	free_parsestate(pstate);
	return expr;
}

/*
 * Raw tree walker: remember every string literal that holds one of the
 * special datetime inputs as a word ('now', ' Today ', 'tomorrow 10:00',
 * '{now}', '(now,1)').  Whether it becomes a datetime value is known only
 * after analysis; see dp_refuse_frozen_literal().
 */
static bool
find_frozen_literals(Node *node, List **found)
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
					FrozenLiteral *lit = palloc(sizeof(FrozenLiteral));

					lit->location = ((A_Const *) node)->location;
					lit->word = i;
					*found = lappend(*found, lit);
					return false;
				}
			}
		}
		return false;
	}
	return raw_expression_tree_walker(node, find_frozen_literals,
									  (void *) found);
}

/* The string literals of a raw tree that may freeze a date or time. */
List *
dp_find_frozen_literals(Node *raw)
{
	List	   *found = NIL;

	(void) find_frozen_literals(raw, &found);
	return found;
}

typedef struct FrozenContext
{
	List	   *literals;
	FrozenLiteral *hit;
} FrozenContext;

static bool
find_frozen_const(Node *node, FrozenContext *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Const))
	{
		Const	   *con = (Const *) node;
		ListCell   *lc;

		/* coercion keeps the literal's location on the new Const */
		if (con->location < 0 || !type_holds_datetime(con->consttype, 0))
			return false;
		foreach(lc, context->literals)
		{
			FrozenLiteral *lit = lfirst(lc);

			if (lit->location == con->location)
			{
				context->hit = lit;
				return true;
			}
		}
		return false;
	}
	return expression_tree_walker(node, find_frozen_const, (void *) context);
}

/* Raise if one of the literals became a date/time value in expr. */
void
dp_refuse_frozen_literal(Node *expr, List *literals)
{
	FrozenContext context;
	const char *word;

	if (literals == NIL)
		return;
	context.literals = literals;
	context.hit = NULL;
	if (!find_frozen_const(expr, &context))
		return;

	word = special_inputs[context.hit->word].word;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("special datetime input '%s' is not allowed in a default", word),
			 errdetail("'%s' is converted to a fixed value once, when the default is created.",
					   word),
			 errhint("%s", special_inputs[context.hit->word].hint)));
}

/*
 * Is typid a date/time type, or a domain, array, range or composite that
 * holds one?
 */
static bool
type_holds_datetime(Oid typid, int depth)
{
	Oid			inner;

	if (depth > 32)
		return false;
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
		return type_holds_datetime(inner, depth + 1);
	if (OidIsValid(inner = get_multirange_range(typid)))
		return type_holds_datetime(inner, depth + 1);
	if (OidIsValid(inner = get_range_subtype(typid)))
		return type_holds_datetime(inner, depth + 1);
	if (typid != RECORDOID && type_is_rowtype(typid))
	{
		TupleDesc	desc = lookup_rowtype_tupdesc(typid, -1);
		bool		found = false;

		for (int i = 0; i < desc->natts && !found; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			found = !att->attisdropped &&
				type_holds_datetime(att->atttypid, depth + 1);
		}
		ReleaseTupleDesc(desc);
		return found;
	}
	return false;
}
