/*-------------------------------------------------------------------------
 *
 * typesafe.c
 *	  Type safety: may a value of this type be made during validation?
 *
 * Parsing a literal already runs code.  Coercing '{1}' to an array of a
 * domain calls array_in, which runs the domain's CHECK constraints; so do
 * record_in for a composite with a field of a domain, range_in for a range
 * over one (and the range's canonical function), and every level of a
 * domain over a domain.  A CHECK can call any function its domain's owner
 * wrote, labelled IMMUTABLE or not.  Validation must run no code but
 * PostgreSQL's own immutable functions, for any caller, so a type is
 * *safe* only if no domain constraint reachable from it calls anything
 * else, and this is decided from the catalog (pg_type, pg_constraint,
 * pg_range, pg_attribute) before anything is parsed or evaluated:
 *
 *	 1. the column type, before parse analysis;
 *	 2. every type named in the raw tree (casts, typename 'literal', and
 *		function-style casts), before parse analysis;
 *	 3. the type of every node of the analysed tree, after it.
 *
 * Volatility labels of user functions are never trusted: only functions
 * created by initdb and marked immutable pass.  Base types are made only
 * by superusers (CREATE TYPE with C input and output functions); their
 * input functions are taken as part of the type.
 *
 * Nothing here loads a domain's constraints into the type cache: that
 * plans the CHECK expression, and planning folds (runs) the immutable
 * functions in it.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/transam.h"
#include "catalog/indexing.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_range.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* State of one safety check: the type asked about, and the types seen. */
typedef struct SafetyContext
{
	Oid			top;			/* the type named in messages */
	bool		per_node;		/* each node's type is a top of its own */
	List	   *seen;			/* types already proven or being proven */
} SafetyContext;

static void require_safe(Oid typid, SafetyContext *context);
static void require_safe_domain(Oid typid, SafetyContext *context);
static void require_safe_range(Oid typid, SafetyContext *context);
static bool safe_tree_walker(Node *node, SafetyContext *context);

/* For dp_walk_functions(): stop at the first function that is not. */
static bool
not_builtin_immutable(Oid funcid, void *arg)
{
	if (dp_function_is_builtin_immutable(funcid))
		return false;
	*(Oid *) arg = funcid;
	return true;
}

static char *
function_name(Oid funcid)
{
	return format_procedure_extended(funcid, FORMAT_PROC_FORCE_QUALIFY);
}

/*
 * Raise the error for an unsafe type.  detail says which part of it calls
 * what; the primary message names the type the caller asked about.
 */
static void
unsafe(SafetyContext *context, char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("type %s cannot be validated safely",
					format_type_be_qualified(context->top)),
			 errdetail_internal("%s", detail),
			 errhint("Validation runs no code but PostgreSQL's built-in immutable functions. "
					 "Use a type whose domain constraints call only those.")));
}

/*
 * Raise unless typid is safe: no domain constraint reachable from it calls
 * anything but built-in immutable functions.
 */
void
dp_require_safe_type(Oid typid)
{
	SafetyContext context;

	context.top = typid;
	context.per_node = false;
	context.seen = NIL;
	require_safe(typid, &context);
	list_free(context.seen);
}

static void
require_safe(Oid typid, SafetyContext *context)
{
	HeapTuple	tuple;
	Form_pg_type typform;
	char		typtype;
	Oid			elem;
	Oid			relid;
	Oid			basetype;

	if (typid < FirstNormalObjectId && typid != InvalidOid &&
		get_typtype(typid) != TYPTYPE_DOMAIN)
	{
		/* a built-in type that is not a domain holds no user domain */
		elem = get_element_type(typid);
		if (!OidIsValid(elem) || elem < FirstNormalObjectId)
			return;
	}
	if (list_member_oid(context->seen, typid))
		return;
	context->seen = lappend_oid(context->seen, typid);
	check_stack_depth();

	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type with OID %u does not exist", typid)));
	typform = (Form_pg_type) GETSTRUCT(tuple);
	typtype = typform->typtype;
	elem = IsTrueArrayType(typform) ? typform->typelem : InvalidOid;
	relid = typform->typrelid;
	basetype = typform->typbasetype;
	ReleaseSysCache(tuple);

	switch (typtype)
	{
		case TYPTYPE_DOMAIN:
			require_safe_domain(typid, context);
			/* the next level: a domain over a domain, an array, ... */
			require_safe(basetype, context);
			break;
		case TYPTYPE_COMPOSITE:
			{
				Relation	rel = relation_open(relid, AccessShareLock);
				TupleDesc	desc = RelationGetDescr(rel);

				for (int i = 0; i < desc->natts; i++)
				{
					Form_pg_attribute att = TupleDescAttr(desc, i);

					if (!att->attisdropped)
						require_safe(att->atttypid, context);
				}
				relation_close(rel, AccessShareLock);
				break;
			}
		case TYPTYPE_RANGE:
			require_safe_range(typid, context);
			break;
		case TYPTYPE_MULTIRANGE:
			require_safe(get_multirange_range(typid), context);
			break;
		default:
			if (OidIsValid(elem))
				require_safe(elem, context);
			break;
	}
}

/*
 * A domain: each of its CHECK constraints, from pg_constraint.conbin, and
 * the type it is over.
 */
static void
require_safe_domain(Oid typid, SafetyContext *context)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	List	   *checks = NIL;
	List	   *names = NIL;
	ListCell   *lc1;
	ListCell   *lc2;

	ScanKeyInit(&key, Anum_pg_constraint_contypid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(typid));
	rel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(rel, ConstraintTypidIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tuple);
		bool		isnull;
		Datum		conbin;

		if (con->contype != CONSTRAINT_CHECK)
			continue;
		conbin = heap_getattr(tuple, Anum_pg_constraint_conbin,
							  RelationGetDescr(rel), &isnull);
		if (isnull)
			continue;
		checks = lappend(checks, stringToNode(TextDatumGetCString(conbin)));
		names = lappend(names, pstrdup(NameStr(con->conname)));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	forboth(lc1, checks, lc2, names)
	{
		Node	   *check = lfirst(lc1);
		Oid			funcid = InvalidOid;
		Node	   *unknown;

		if (dp_walk_functions(check, not_builtin_immutable, &funcid, &unknown))
		{
			if (unknown == NULL)
				unsafe(context,
					   psprintf("Constraint \"%s\" of domain %s calls function %s, which is not a built-in immutable function.",
								(char *) lfirst(lc2), format_type_be_qualified(typid),
								function_name(funcid)));
			unsafe(context,
				   psprintf("Constraint \"%s\" of domain %s contains an expression that validation does not evaluate.",
							(char *) lfirst(lc2), format_type_be_qualified(typid)));
		}
		(void) safe_tree_walker(check, context);
	}

}

/*
 * A range: its subtype, its canonical function (which range_in calls, and
 * which a user may write over a shell type) and the subtype's comparison
 * function.
 */
static void
require_safe_range(Oid typid, SafetyContext *context)
{
	HeapTuple	tuple;
	Form_pg_range range;
	Oid			subtype;
	Oid			canonical;
	Oid			opclass;
	Oid			cmp;

	tuple = SearchSysCache1(RANGETYPE, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for range type %u", typid);
	range = (Form_pg_range) GETSTRUCT(tuple);
	subtype = range->rngsubtype;
	canonical = range->rngcanonical;
	opclass = range->rngsubopc;
	ReleaseSysCache(tuple);

	if (OidIsValid(canonical) && !dp_function_is_builtin_immutable(canonical))
		unsafe(context,
			   psprintf("Range type %s has canonical function %s, which is not a built-in immutable function.",
						format_type_be_qualified(typid), function_name(canonical)));
	cmp = get_opfamily_proc(get_opclass_family(opclass),
							get_opclass_input_type(opclass),
							get_opclass_input_type(opclass), BTORDER_PROC);
	if (!dp_function_is_builtin_immutable(cmp))
		unsafe(context,
			   psprintf("Range type %s compares its bounds with function %s, which is not a built-in immutable function.",
						format_type_be_qualified(typid), function_name(cmp)));
	require_safe(subtype, context);
}

/*
 * Every node of an analysed tree (a default, or a domain's CHECK) must be
 * of a safe type: a CHECK may coerce VALUE to another domain.
 */
static void
require_safe_node_type(Oid typid, SafetyContext *context)
{
	if (!OidIsValid(typid))
		return;
	if (context->per_node)
		dp_require_safe_type(typid);
	else
		require_safe(typid, context);
}

static bool
safe_tree_walker(Node *node, SafetyContext *context)
{
	if (node == NULL)
		return false;
	if (dp_node_is_known(node))
	{
		require_safe_node_type(exprType(node), context);
		if (IsA(node, RowExpr))
			require_safe_node_type(((RowExpr *) node)->row_typeid, context);
	}
	return expression_tree_walker(node, safe_tree_walker, (void *) context);
}

/* Raise unless the type of every node of an analysed expression is safe. */
void
dp_require_safe_node_types(Node *expr)
{
	SafetyContext context;

	context.top = InvalidOid;
	context.per_node = true;
	context.seen = NIL;
	(void) safe_tree_walker(expr, &context);
}

/* The type a name in the raw tree stands for, or InvalidOid if none. */
static Oid
named_type(TypeName *name)
{
	Type		tuple = LookupTypeName(NULL, name, NULL, true);
	Oid			typid;

	if (tuple == NULL)
		return InvalidOid;
	typid = typeTypeId(tuple);
	ReleaseSysCache(tuple);
	return typid;
}

static bool
raw_types_walker(Node *node, void *context)
{
	Oid			typid = InvalidOid;

	if (node == NULL)
		return false;
	check_stack_depth();
	if (IsA(node, TypeName))
		typid = named_type((TypeName *) node);
	else if (IsA(node, FuncCall))
	{
		/* f('...') is a cast when no function f exists but a type does */
		List	   *names = ((FuncCall *) node)->funcname;

		if (list_length(names) <= 2)
			typid = named_type(makeTypeNameFromNameList(names));
	}
	if (OidIsValid(typid))
		dp_require_safe_type(typid);
	return raw_expression_tree_walker(node, raw_types_walker, context);
}

/*
 * Raise unless every type named in a raw parse tree is safe.  Run it under
 * the search_path the tree will be analysed under.
 */
void
dp_require_safe_named_types(Node *raw)
{
	(void) raw_types_walker(raw, NULL);
}
