/*-------------------------------------------------------------------------
 *
 * classify.c
 *	  Classification: which functions does an analysed default call, and
 *	  what does that make it?
 *
 *	 static    only constants and built-in (initdb-created) immutable
 *			   functions, operators and casts
 *	 dynamic   at least one function from the allowlist, and otherwise only
 *			   what a static default may hold
 *	 invalid   anything else
 *
 * Classification works on the analysed tree before planning, and decides
 * by function OID: once a user's SQL function is inlined, or a public.now()
 * shadowing pg_catalog.now() is folded, the evidence is gone.
 *
 * dp_walk_functions() is the one place that knows which node types call
 * which functions.  check_functions_in_node() covers most; the rest
 * (SQL value functions, MinMaxExpr, subscripting) are decided here, and a
 * node type not listed is refused: a default holds nothing we have not
 * thought about.  Type safety (typesafe.c) walks domain constraints with
 * the same function.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

/* State of a walk over the functions of a tree. */
typedef struct WalkContext
{
	DpFunctionVisitor visit;
	void	   *arg;
	Node	   *unknown;		/* set when an unknown node stops the walk */
} WalkContext;

/* State of classification. */
typedef struct ClassifyContext
{
	bool		dynamic;		/* an allowlisted function was seen */
	bool		user_function;	/* ... and one of them is user-defined */
	List	   *allowlisted;	/* their OIDs */
} ClassifyContext;

static bool walk_functions(Node *node, WalkContext *context);
static bool classify_function(Oid funcid, void *arg);

/* The function an SQL value function (CURRENT_DATE, USER, ...) stands for. */
static Oid
sql_value_function(SQLValueFunction *svf)
{
	switch (svf->op)
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
			return F_NOW;
		case SVFOP_CURRENT_ROLE:
		case SVFOP_CURRENT_USER:
		case SVFOP_USER:
			return F_CURRENT_USER;
		case SVFOP_SESSION_USER:
			return F_SESSION_USER;
		case SVFOP_CURRENT_CATALOG:
			return F_CURRENT_DATABASE;
		case SVFOP_CURRENT_SCHEMA:
			return F_CURRENT_SCHEMA;
	}
	elog(ERROR, "unrecognized SQLValueFunction op: %d", (int) svf->op);
	return InvalidOid;			/* keep compiler quiet */
}

/*
 * Does validation know this node type?  These are the nodes a default or a
 * domain constraint may hold; dp_walk_functions() refuses all others.
 */
bool
dp_node_is_known(Node *node)
{
	switch (nodeTag(node))
	{
		case T_Const:
		case T_BoolExpr:
		case T_RelabelType:
		case T_ConvertRowtypeExpr:
		case T_CollateExpr:
		case T_CaseExpr:
		case T_CaseTestExpr:
		case T_ArrayExpr:
		case T_RowExpr:
		case T_CoalesceExpr:
		case T_NullTest:
		case T_BooleanTest:
		case T_FieldSelect:
		case T_NamedArgExpr:
		case T_CoerceToDomain:
		case T_CoerceToDomainValue:
		case T_FuncExpr:
		case T_OpExpr:
		case T_DistinctExpr:
		case T_NullIfExpr:
		case T_ScalarArrayOpExpr:
		case T_RowCompareExpr:
		case T_CoerceViaIO:
		case T_ArrayCoerceExpr:
		case T_MinMaxExpr:
		case T_SubscriptingRef:
		case T_SQLValueFunction:
			return true;
		default:
			return false;
	}
}

/*
 * Raise the error for a node type a default may not hold: one whole message
 * for each kind of node, as PostgreSQL's own parser words them.  Parse
 * analysis refuses most of these first; a stored tree may still hold any.
 */
static void
refuse_construct(Node *node)
{
	switch (nodeTag(node))
	{
		case T_Var:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot use column reference in a default")));
			break;
		case T_Param:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot use parameter in a default")));
			break;
		case T_Aggref:
		case T_GroupingFunc:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot use aggregate function in a default")));
			break;
		case T_WindowFunc:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot use window function in a default")));
			break;
		case T_SubLink:
		case T_SubPlan:
		case T_AlternativeSubPlan:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot use subquery in a default")));
			break;
		case T_XmlExpr:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("XML functions are not supported in a default")));
			break;
		case T_NextValueExpr:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("identity sequences are not supported in a default"),
					 errhint("Use nextval() with the sequence's name.")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("default expression contains an expression validation does not support"),
					 errdetail("A default may hold only constants, operators, casts, functions, CASE, COALESCE, NULLIF, GREATEST, LEAST, arrays and row constructors.")));
			break;
	}
}

/*
 * Walk every node of an analysed tree and call visit(funcid, arg) for each
 * function a node calls.  Stops and returns true when visit returns true,
 * or at a node type validation does not know (then *unknown is that node;
 * else NULL).
 */
bool
dp_walk_functions(Node *node, DpFunctionVisitor visit, void *arg,
				  Node **unknown)
{
	WalkContext context;
	bool		stopped;

	context.visit = visit;
	context.arg = arg;
	context.unknown = NULL;
	stopped = walk_functions(node, &context);
	*unknown = context.unknown;
	return stopped;
}

static bool
walk_functions(Node *node, WalkContext *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, List) || IsA(node, CaseWhen))
		return expression_tree_walker(node, walk_functions, (void *) context);
	if (!dp_node_is_known(node))
	{
		context->unknown = node;
		return true;
	}

	switch (nodeTag(node))
	{
		case T_FuncExpr:
		case T_OpExpr:
		case T_DistinctExpr:
		case T_NullIfExpr:
		case T_ScalarArrayOpExpr:
		case T_RowCompareExpr:
		case T_CoerceViaIO:
			if (check_functions_in_node(node, context->visit, context->arg))
				return true;
			break;

		case T_MinMaxExpr:
			{
				Oid			type = ((MinMaxExpr *) node)->minmaxtype;
				TypeCacheEntry *tce = lookup_type_cache(type, TYPECACHE_CMP_PROC);

				if (!OidIsValid(tce->cmp_proc))
					ereport(ERROR,
							(errcode(ERRCODE_UNDEFINED_FUNCTION),
							 errmsg("could not identify a comparison function for type %s",
									format_type_be(type))));
				if (context->visit(tce->cmp_proc, context->arg))
					return true;
				break;
			}

		case T_SubscriptingRef:
			{
				Oid			handler;

				handler = get_typsubscript(((SubscriptingRef *) node)->refcontainertype,
										   NULL);
				if (context->visit(handler, context->arg))
					return true;
				break;
			}

		case T_SQLValueFunction:
			if (context->visit(sql_value_function((SQLValueFunction *) node),
							   context->arg))
				return true;
			break;

		default:
			/* the node calls no function of its own */
			break;
	}
	return expression_tree_walker(node, walk_functions, (void *) context);
}

/*
 * Classify the analysed default expr: sets *kind and *allowlisted (the OIDs
 * of the allowlisted functions it calls), and returns whether one of those
 * is a user-defined function.  Raises for an invalid default.
 */
bool
dp_classify(Node *expr, DefaultKind *kind, List **allowlisted)
{
	ClassifyContext context = {0};
	Node	   *unknown;

	if (dp_walk_functions(expr, classify_function, &context, &unknown))
		refuse_construct(unknown);
	*kind = context.dynamic ? DEFAULT_KIND_DYNAMIC : DEFAULT_KIND_STATIC;
	*allowlisted = context.allowlisted;
	return context.user_function;
}

/* Is funcid created by initdb and immutable? */
bool
dp_function_is_builtin_immutable(Oid funcid)
{
	return OidIsValid(funcid) && funcid < FirstNormalObjectId &&
		func_volatile(funcid) == PROVOLATILE_IMMUTABLE;
}

/*
 * Classify one function by OID: allowlisted (dynamic), built-in immutable
 * (static), or refused with an error.  "Built-in" means created by initdb.
 */
static bool
classify_function(Oid funcid, void *arg)
{
	ClassifyContext *context = (ClassifyContext *) arg;
	char		volatility;
	char	   *name;

	if (dp_function_is_allowlisted(funcid))
	{
		context->dynamic = true;
		context->user_function |= (funcid >= FirstNormalObjectId);
		context->allowlisted = list_append_unique_oid(context->allowlisted,
													  funcid);
		return false;
	}
	if (dp_function_is_builtin_immutable(funcid))
		return false;
	volatility = func_volatile(funcid);

	name = format_procedure_extended(funcid, FORMAT_PROC_FORCE_QUALIFY);
	if (funcid >= FirstNormalObjectId)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("function %s is not allowed in a default", name),
				 errdetail("User-defined functions are allowed only when they are on the allowlist, whatever their volatility."),
				 errhint("Add the function with allow_default_function() if every migration may call it.")));
	if (volatility == PROVOLATILE_STABLE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("function %s is not allowed in a default", name),
				 errdetail("The function is stable and is not on the allowlist.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("function %s is not allowed in a default", name),
			 errdetail("The function is volatile and is not on the allowlist.")));
	return true;				/* keep compiler quiet */
}

/*
 * Would ADD COLUMN with this default rewrite the table?  PostgreSQL's own
 * rule (ATExecAddColumn): the planned default contains a volatile function,
 * or the column's type is a domain with constraints.  Planning folds
 * immutable code, so it is skipped when the tree calls an allowlisted user
 * function: validation runs no user code.  The verdict on volatility is
 * then taken from the unplanned tree, which differs only when an inlined
 * SQL function's body is less volatile than its declaration.
 *
 * The type must have been proven safe: loading its domain constraints
 * plans them.
 */
bool
dp_rewrites(Node *expr, Oid typid, bool user_function)
{
	Node	   *planned = expr;

	if (!user_function)
		planned = (Node *) expression_planner((Expr *) copyObject(expr));
	return DomainHasConstraints(typid) || contain_volatile_functions(planned);
}

/* The schema of a type. */
static Oid
get_typ_namespace(Oid typid)
{
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	Oid			nspid = InvalidOid;

	if (HeapTupleIsValid(tuple))
	{
		nspid = ((Form_pg_type) GETSTRUCT(tuple))->typnamespace;
		ReleaseSysCache(tuple);
	}
	return nspid;
}

/* For dp_walk_functions(): stop at a function in a temporary schema. */
static bool
temporary_function(Oid funcid, void *arg)
{
	if (!isAnyTempNamespace(get_func_namespace(funcid)))
		return false;
	*(Oid *) arg = funcid;
	return true;
}

/* The namespace of the object a reg* constant names, or InvalidOid. */
static Oid
reg_constant_namespace(Const *con)
{
	Oid			object;

	if (con->constisnull)
		return InvalidOid;
	object = DatumGetObjectId(con->constvalue);
	switch (con->consttype)
	{
		case REGCLASSOID:
			return get_rel_namespace(object);
		case REGTYPEOID:
			return get_typ_namespace(object);
		case REGPROCOID:
		case REGPROCEDUREOID:
			return get_func_namespace(object);
		default:
			return InvalidOid;
	}
}

static bool
temporary_walker(Node *node, void *context)
{
	Oid			typid;
	Oid			nspid;

	if (node == NULL)
		return false;
	if (dp_node_is_known(node))
	{
		typid = exprType(node);
		if (OidIsValid(typid) && isAnyTempNamespace(get_typ_namespace(typid)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("default expression uses temporary type %s",
							format_type_be(typid)),
					 errdetail("A stored default is used by other sessions, which cannot see this session's temporary objects.")));
		if (IsA(node, Const) &&
			OidIsValid(nspid = reg_constant_namespace((Const *) node)) &&
			isAnyTempNamespace(nspid))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("default expression refers to a temporary object"),
					 errdetail("A stored default is used by other sessions, which cannot see this session's temporary objects.")));
	}
	return expression_tree_walker(node, temporary_walker, context);
}

/*
 * Raise if a default that will be stored for other sessions (a policy)
 * refers to a temporary object: in another session the same name leads to
 * that session's own temporary object, or to nothing.
 */
void
dp_refuse_temporary_objects(Node *expr, Oid typid)
{
	Oid			funcid = InvalidOid;
	Node	   *unknown;

	if (isAnyTempNamespace(get_typ_namespace(typid)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("column type %s is a temporary type", format_type_be(typid)),
				 errdetail("A stored default is used by other sessions, which cannot see this session's temporary objects.")));
	if (dp_walk_functions(expr, temporary_function, &funcid, &unknown) &&
		OidIsValid(funcid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("default expression uses temporary function %s",
						quote_identifier(get_func_name(funcid))),
				 errdetail("A stored default is used by other sessions, which cannot see this session's temporary objects.")));
	(void) temporary_walker(expr, NULL);
}
