/*-------------------------------------------------------------------------
 *
 * enforce.c
 *	  Enforcement: the rules for defaults applied to plain DDL through event
 *	  triggers (defaults_policy.enforce), and the limit on table rewrites
 *	  (defaults_policy.max_rewrite_size).
 *
 * Each statement is looked at twice.  At ddl_command_start its own DEFAULT
 * clauses (CREATE TABLE columns, ADD COLUMN, SET DEFAULT, CREATE and ALTER
 * DOMAIN) are validated from the raw tree, before any work: under "error"
 * a refused statement stops there with nothing made, and only the raw tree
 * still shows the special date/time strings ('now') that analysis turns
 * into constants.  At ddl_command_end, what the command actually stored is
 * the truth: the pg_attrdef rows this command wrote, found by their xmin
 * and cmin.  Those the text showed take their verdict from the start; the
 * others (serial, LIKE ... INCLUDING DEFAULTS, inherited and partition
 * defaults, a column retyped) are classified from the stored tree, and a
 * new column whose type is a domain with a default is judged by that
 * default.  Every one is audited as ddl_default, valid ones included.
 *
 * The verdicts of the start wait for the end in a frame, one per
 * statement, found again by its parse tree (the same pointer reaches both
 * triggers).  Statements nest, since an event trigger may run DDL, and a
 * statement that fails inside a subtransaction leaves its frame behind: a
 * frame records its transaction nesting level and goes when that level
 * aborts, and all go at the end of the transaction.
 *
 * The extension's own ALTERs (add_column.c) validate and audit themselves:
 * they are marked while they run and pass untouched.  So do extension
 * scripts, pg_upgrade's restore, and the DDL Citus replays on the shards
 * of a statement the coordinator already judged (citus.c).
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

/* A DEFAULT clause of the statement, with its verdict from the start. */
typedef struct StatementDefault
{
	const char *column;			/* NULL for a domain's default */
	DefaultCheck check;
} StatementDefault;

/* What the start of one statement leaves for its end. */
typedef struct EnforceFrame
{
	Node	   *parsetree;		/* as both triggers receive it */
	int			nestlevel;		/* GetCurrentTransactionNestLevel() */
	CommandId	start_cid;		/* the command's writes have cmin >= this */
	MemoryContext context;		/* everything below lives here */
	DpEnforce	mode;
	List	   *defaults;		/* StatementDefault *, from the text */
	List	   *added;			/* names of the columns ALTER TABLE adds */
	List	   *serial;			/* names of serial columns */
	bool		creates;		/* CREATE TABLE: every column is new */
	bool		like;			/* CREATE TABLE (LIKE ... INCLUDING DEFAULTS) */
	bool		uuid_warned;	/* the frozen uuid warning was given */
} EnforceFrame;

/* Frames of the statements under way, innermost first. */
static List *frames = NIL;

/* The ALTER TABLE the extension itself is running, if any. */
static Node *own_statement = NULL;

/*
 * Mark stmt as the extension's own while it runs (add_column.c): the
 * triggers pass it.  *saved keeps the mark it replaces, for
 * dp_enforce_own_end().
 */
void
dp_enforce_own_begin(Node *stmt, Node **saved)
{
	*saved = own_statement;
	own_statement = stmt;
}

void
dp_enforce_own_end(Node *saved)
{
	own_statement = saved;
}

/*
 * The same ALTER TABLE, told by what it does: the same table name and the
 * same subcommands on the same columns.  Another extension's utility hook
 * may hand the triggers a copy of the statement whose default it has
 * analysed in place (Citus does, which fills in an SQLValueFunction's
 * type), and then the trees are no longer equal().
 */
static bool
same_alter(Node *a, Node *b)
{
	AlterTableStmt *x;
	AlterTableStmt *y;
	ListCell   *lc1;
	ListCell   *lc2;

	if (!IsA(a, AlterTableStmt) || !IsA(b, AlterTableStmt))
		return false;
	x = (AlterTableStmt *) a;
	y = (AlterTableStmt *) b;
	if (x->relation == NULL || y->relation == NULL ||
		strcmp(x->relation->relname, y->relation->relname) != 0 ||
		(x->relation->schemaname == NULL) != (y->relation->schemaname == NULL) ||
		(x->relation->schemaname != NULL &&
		 strcmp(x->relation->schemaname, y->relation->schemaname) != 0) ||
		list_length(x->cmds) != list_length(y->cmds))
		return false;
	forboth(lc1, x->cmds, lc2, y->cmds)
	{
		AlterTableCmd *c1 = lfirst_node(AlterTableCmd, lc1);
		AlterTableCmd *c2 = lfirst_node(AlterTableCmd, lc2);
		const char *n1 = c1->subtype == AT_AddColumn ?
		castNode(ColumnDef, c1->def)->colname : c1->name;
		const char *n2 = c2->subtype == AT_AddColumn ?
		castNode(ColumnDef, c2->def)->colname : c2->name;

		if (c1->subtype != c2->subtype || n1 == NULL || n2 == NULL ||
			strcmp(n1, n2) != 0)
			return false;
	}
	return true;
}

static bool
is_own(Node *parsetree)
{
	return own_statement != NULL &&
		(equal(parsetree, own_statement) || same_alter(parsetree, own_statement));
}

static void
enforce_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* the frames lived in TopTransactionContext */
			frames = NIL;
			own_statement = NULL;
			break;
		default:
			break;
	}
}

/* A statement that failed in a subtransaction leaves its frame: drop it. */
static void
enforce_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						 SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	while (frames != NIL &&
		   ((EnforceFrame *) linitial(frames))->nestlevel >= level)
	{
		EnforceFrame *frame = (EnforceFrame *) linitial(frames);

		frames = list_delete_first(frames);
		MemoryContextDelete(frame->context);
	}
}

void
dp_init_enforce(void)
{
	RegisterXactCallback(enforce_xact_callback, NULL);
	RegisterSubXactCallback(enforce_subxact_callback, NULL);
}

static EnforceFrame *
push_frame(Node *parsetree)
{
	MemoryContext context;
	MemoryContext oldcxt;
	EnforceFrame *frame;

	context = AllocSetContextCreate(TopTransactionContext,
									"defaults_policy enforcement",
									ALLOCSET_SMALL_SIZES);
	frame = MemoryContextAllocZero(context, sizeof(EnforceFrame));
	frame->parsetree = parsetree;
	frame->nestlevel = GetCurrentTransactionNestLevel();
	frame->context = context;
	frame->mode = dp_enforce;

	/* whatever was written before has a lower command id than the command */
	CommandCounterIncrement();
	frame->start_cid = GetCurrentCommandId(false);

	oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	frames = lcons(frame, frames);
	MemoryContextSwitchTo(oldcxt);
	return frame;
}

/*
 * The frame of parsetree, taken off the stack with any left above it, or
 * NULL if the statement has none (its start found nothing to do): then the
 * stack, which may hold the frames of statements it runs within, is left
 * alone.
 */
static EnforceFrame *
pop_frame(Node *parsetree)
{
	ListCell   *lc;

	foreach(lc, frames)
		if (((EnforceFrame *) lfirst(lc))->parsetree == parsetree)
			break;
	if (lc == NULL)
		return NULL;

	while (frames != NIL)
	{
		EnforceFrame *frame = (EnforceFrame *) linitial(frames);

		frames = list_delete_first(frames);
		if (frame->parsetree == parsetree)
			return frame;
		MemoryContextDelete(frame->context);
	}
	return NULL;
}

/*
 * Whether the statement can store a default: anything but the ALTER TABLE
 * subcommands below, and domain commands without DEFAULT, cannot, and cost
 * nothing more than this look.
 */
static bool
may_make_defaults(Node *parsetree)
{
	ListCell   *lc;

	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
		case T_CreateForeignTableStmt:
			return true;
		case T_AlterTableStmt:
			foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
			{
				AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

				if (cmd->subtype == AT_AddColumn ||
					cmd->subtype == AT_AddColumnToView ||
					cmd->subtype == AT_AlterColumnType ||
					(cmd->subtype == AT_ColumnDefault && cmd->def != NULL))
					return true;
			}
			return false;
		case T_CreateDomainStmt:
			foreach(lc, ((CreateDomainStmt *) parsetree)->constraints)
				if (lfirst_node(Constraint, lc)->contype == CONSTR_DEFAULT)
					return true;
			return false;
		case T_AlterDomainStmt:
			return ((AlterDomainStmt *) parsetree)->subtype == 'T' &&
				((AlterDomainStmt *) parsetree)->def != NULL;
		default:
			return false;
	}
}

/*
 * Whether the triggers have anything to do in this backend right now: not
 * while pg_upgrade restores or an extension script runs, and not for the
 * DDL Citus replays on shards and workers, which the coordinator judged
 * (citus.c).
 */
static bool
trigger_active(FunctionCallInfo fcinfo)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "not fired by event trigger manager");
	return !IsBinaryUpgrade && !creating_extension && dp_extension_ready() &&
		!dp_citus_replay(((EventTriggerData *) fcinfo->context)->parsetree);
}

/*
 * Report an invalid default: a WARNING under "warn", the engine's error
 * under "error".  what is the primary message, which names the default
 * (psql shows no CONTEXT line with a WARNING); the engine's message and
 * detail become the detail.
 */
static void
report_invalid(DpEnforce mode, const DefaultCheck *check, const char *what)
{
	StringInfoData reason;

	initStringInfo(&reason);
	appendStringInfoString(&reason, check->message);
	reason.data[0] = pg_toupper((unsigned char) reason.data[0]);
	appendStringInfoChar(&reason, '.');
	if (check->detail)
		appendStringInfo(&reason, " %s", check->detail);

	ereport(mode == DP_ENFORCE_ERROR ? ERROR : WARNING,
			(errcode(check->sqlstate),
			 errmsg_internal("%s", what),
			 errdetail_internal("%s", reason.data),
			 check->hint ? errhint("%s", check->hint) :
			 errhint("Use a static default or an allowlisted function (check_default() tells which), "
					 "or add the column with add_column_with_default() or add_column_with_policy().")));
}

static char *
column_what(const char *column, const char *relname)
{
	return psprintf("default for column \"%s\" of table \"%s\" is not allowed",
					column, relname);
}

static char *
domain_what(const char *domain)
{
	return psprintf("default for domain \"%s\" is not allowed", domain);
}

/* DEFAULT NULL: PostgreSQL stores no default at all. */
static bool
is_null_default(const DefaultCheck *check)
{
	Node	   *expr = check->expr;

	while (expr != NULL && IsA(expr, RelabelType))
		expr = (Node *) ((RelabelType *) expr)->arg;
	return expr != NULL && IsA(expr, Const) && ((Const *) expr)->constisnull;
}

/*
 * Judge one DEFAULT clause of the statement at its start: column (NULL for
 * a domain) of a type that type_name names or, when it is NULL, of
 * typid/typmod.  A type that does not exist is left to PostgreSQL's own
 * error.
 */
static void
judge_clause(EnforceFrame *frame, const char *column, Node *raw,
			 TypeName *type_name, Oid typid, int32 typmod, Oid owner,
			 const char *what)
{
	StatementDefault *sd;

	if (type_name != NULL)
	{
		Type		type = LookupTypeName(NULL, type_name, NULL, true);

		if (type == NULL)
			return;
		ReleaseSysCache(type);
	}
	else if (!OidIsValid(typid))
		return;

	sd = palloc0(sizeof(StatementDefault));
	sd->column = column;
	dp_check_raw(raw, type_name, typid, typmod, owner, &sd->check);

	/*
	 * DEFAULT NULL stores nothing; and a default that parse analysis refuses
	 * is left to PostgreSQL, whose own error says where it went wrong.
	 */
	if (is_null_default(&sd->check) ||
		(!sd->check.valid && sd->check.postgres_refuses))
		return;
	frame->defaults = lappend(frame->defaults, sd);
	if (!sd->check.valid)
		report_invalid(frame->mode, &sd->check, what);
}

/* The DEFAULT clauses among a column's constraints. */
static void
judge_column(EnforceFrame *frame, ColumnDef *coldef, Oid typid, int32 typmod,
			 Oid owner, const char *relname)
{
	ListCell   *lc;

	foreach(lc, coldef->constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		if (con->contype == CONSTR_DEFAULT && con->raw_expr != NULL)
			judge_clause(frame, coldef->colname, con->raw_expr,
						 coldef->typeName, typid, typmod, owner,
						 column_what(coldef->colname, relname));
	}
}

/* Is this type name one of the serial pseudo-types? */
static bool
is_serial(TypeName *type_name)
{
	static const char *const names[] = {
		"smallserial", "serial2", "serial", "serial4", "bigserial", "serial8"
	};
	const char *name;

	/* a type given by OID (makeColumnDef()) has no name */
	if (type_name == NULL || type_name->names == NIL ||
		type_name->arrayBounds != NIL || type_name->pct_type)
		return false;
	if (list_length(type_name->names) == 2 &&
		strcmp(strVal(linitial(type_name->names)), "pg_catalog") != 0)
		return false;
	if (list_length(type_name->names) > 2)
		return false;
	name = strVal(llast(type_name->names));
	for (int i = 0; i < (int) lengthof(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static Oid
relation_owner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner = InvalidOid;

	if (HeapTupleIsValid(tuple))
	{
		owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
		ReleaseSysCache(tuple);
	}
	return owner;
}

/*
 * CREATE TABLE: the columns' DEFAULT clauses.  A column of CREATE TABLE
 * ... OF type or PARTITION OF names no type: it has the type's or the
 * parent's.
 */
static void
start_create_table(EnforceFrame *frame, CreateStmt *stmt)
{
	Oid			typed_relid = InvalidOid;
	ListCell   *lc;

	/* CREATE TABLE IF NOT EXISTS of a table that exists does nothing */
	if (stmt->if_not_exists &&
		OidIsValid(RangeVarGetRelid(stmt->relation, NoLock, true)))
		return;

	frame->creates = true;
	if (stmt->ofTypename != NULL)
	{
		Oid			typid = LookupTypeNameOid(NULL, stmt->ofTypename, true);

		if (OidIsValid(typid))
			typed_relid = typeOrDomainTypeRelid(typid);
	}
	else if (stmt->partbound != NULL && list_length(stmt->inhRelations) == 1)
		typed_relid = RangeVarGetRelid(linitial_node(RangeVar, stmt->inhRelations),
									   NoLock, true);

	foreach(lc, stmt->tableElts)
	{
		Node	   *elt = lfirst(lc);

		if (IsA(elt, ColumnDef))
		{
			ColumnDef  *coldef = (ColumnDef *) elt;
			Oid			typid = InvalidOid;
			int32		typmod = -1;

			if (is_serial(coldef->typeName))
			{
				frame->serial = lappend(frame->serial, coldef->colname);
				continue;
			}
			if (coldef->typeName == NULL &&
				!dp_existing_column(typed_relid, coldef->colname, &typid, &typmod, NULL))
				continue;
			judge_column(frame, coldef, typid, typmod, InvalidOid,
						 stmt->relation->relname);
		}
		else if (IsA(elt, TableLikeClause) &&
				 (((TableLikeClause *) elt)->options & CREATE_TABLE_LIKE_DEFAULTS))
			frame->like = true;
	}
}

/* ALTER TABLE: ADD COLUMN ... DEFAULT and ALTER COLUMN ... SET DEFAULT. */
static void
start_alter_table(EnforceFrame *frame, AlterTableStmt *stmt)
{
	Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	Oid			owner;
	List	   *coldefs = NIL;
	ListCell   *lc;

	/* no table: PostgreSQL raises its error, or skips under IF EXISTS */
	if (!OidIsValid(relid))
		return;
	owner = relation_owner(relid);

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_AddColumn || cmd->subtype == AT_AddColumnToView)
		{
			ColumnDef  *coldef = castNode(ColumnDef, cmd->def);

			/* ADD COLUMN IF NOT EXISTS of a column that exists does nothing */
			if (cmd->missing_ok &&
				get_attnum(relid, coldef->colname) != InvalidAttrNumber)
				continue;

			frame->added = lappend(frame->added, coldef->colname);
			coldefs = lappend(coldefs, coldef);
			if (is_serial(coldef->typeName))
				frame->serial = lappend(frame->serial, coldef->colname);
			else
				judge_column(frame, coldef, InvalidOid, -1, owner,
							 stmt->relation->relname);
		}
		else if (cmd->subtype == AT_ColumnDefault && cmd->def != NULL)
		{
			TypeName   *type_name = NULL;
			Oid			typid = InvalidOid;
			int32		typmod = -1;
			ListCell   *lc2;

			/* a column added by the same statement, or one that exists */
			foreach(lc2, coldefs)
			{
				ColumnDef  *coldef = (ColumnDef *) lfirst(lc2);

				if (strcmp(coldef->colname, cmd->name) == 0)
					type_name = coldef->typeName;
			}
			if (type_name == NULL &&
				!dp_existing_column(relid, cmd->name, &typid, &typmod, NULL))
				continue;
			judge_clause(frame, cmd->name, cmd->def, type_name, typid, typmod,
						 owner, column_what(cmd->name, stmt->relation->relname));
		}
	}
}

/* The type a domain's default is for: the type the domain is over. */
static bool
domain_base(Oid domainid, Oid *typid, int32 *typmod)
{
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(domainid));
	bool		found = false;

	if (HeapTupleIsValid(tuple))
	{
		Form_pg_type typ = (Form_pg_type) GETSTRUCT(tuple);

		if (typ->typtype == TYPTYPE_DOMAIN)
		{
			*typid = typ->typbasetype;
			*typmod = typ->typtypmod;
			found = true;
		}
		ReleaseSysCache(tuple);
	}
	return found;
}

/* CREATE DOMAIN ... DEFAULT and ALTER DOMAIN ... SET DEFAULT. */
static void
start_domain(EnforceFrame *frame, Node *parsetree)
{
	if (IsA(parsetree, CreateDomainStmt))
	{
		CreateDomainStmt *stmt = (CreateDomainStmt *) parsetree;
		char	   *what = domain_what(NameListToString(stmt->domainname));
		ListCell   *lc;

		foreach(lc, stmt->constraints)
		{
			Constraint *con = lfirst_node(Constraint, lc);

			if (con->contype == CONSTR_DEFAULT && con->raw_expr != NULL)
				judge_clause(frame, NULL, con->raw_expr, stmt->typeName,
							 InvalidOid, -1, InvalidOid, what);
		}
	}
	else
	{
		AlterDomainStmt *stmt = (AlterDomainStmt *) parsetree;
		Oid			domainid;
		Oid			typid;
		int32		typmod;

		if (stmt->subtype != 'T' || stmt->def == NULL)
			return;
		domainid = LookupTypeNameOid(NULL, makeTypeNameFromNameList(stmt->typeName),
									 true);
		if (!OidIsValid(domainid) || !domain_base(domainid, &typid, &typmod))
			return;
		judge_clause(frame, NULL, stmt->def, NULL, typid, typmod,
					 InvalidOid, domain_what(NameListToString(stmt->typeName)));
	}
}

/*
 * default_policy_enforce_start() RETURNS event_trigger, on
 * ddl_command_start of CREATE TABLE, ALTER TABLE, CREATE and ALTER DOMAIN
 * and their foreign-table and view forms
 */
PG_FUNCTION_INFO_V1(default_policy_enforce_start);
Datum
default_policy_enforce_start(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata = (EventTriggerData *) fcinfo->context;
	Node	   *parsetree;
	EnforceFrame *frame;
	MemoryContext oldcxt;

	if (!trigger_active(fcinfo) || dp_enforce == DP_ENFORCE_OFF)
		PG_RETURN_VOID();
	parsetree = trigdata->parsetree;
	if (!may_make_defaults(parsetree) || is_own(parsetree))
		PG_RETURN_VOID();

	frame = push_frame(parsetree);
	oldcxt = MemoryContextSwitchTo(frame->context);
	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
			start_create_table(frame, (CreateStmt *) parsetree);
			break;
		case T_CreateForeignTableStmt:
			start_create_table(frame, &((CreateForeignTableStmt *) parsetree)->base);
			break;
		case T_AlterTableStmt:
			start_alter_table(frame, (AlterTableStmt *) parsetree);
			break;
		case T_CreateDomainStmt:
		case T_AlterDomainStmt:
			start_domain(frame, parsetree);
			break;
		default:
			break;
	}
	MemoryContextSwitchTo(oldcxt);
	PG_RETURN_VOID();
}

/*
 * A table as the end trigger reads it: from its pg_class row and one scan
 * of its pg_attribute rows, not from a relcache entry, which the command
 * has just invalidated and which would be built again for nothing.
 */
typedef struct TableInfo
{
	Oid			relid;
	char	   *relname;
	char	   *qualified;		/* schema-qualified, quoted as needed */
	char		relkind;
	bool		relispartition;
	Oid			owner;
	int			natts;
	FormData_pg_attribute *atts;	/* fixed parts, by attnum - 1 */
} TableInfo;

static bool
read_table(Oid relid, TableInfo *table)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Form_pg_class classform;
	Relation	attrel;
	ScanKeyData key[2];
	SysScanDesc scan;

	if (!HeapTupleIsValid(tuple))
		return false;
	classform = (Form_pg_class) GETSTRUCT(tuple);
	table->relid = relid;
	table->relname = pstrdup(NameStr(classform->relname));
	table->qualified = quote_qualified_identifier(get_namespace_name(classform->relnamespace),
												  table->relname);
	table->relkind = classform->relkind;
	table->relispartition = classform->relispartition;
	table->owner = classform->relowner;
	table->natts = classform->relnatts;
	table->atts = palloc0(Max(table->natts, 1) * sizeof(FormData_pg_attribute));
	ReleaseSysCache(tuple);

	attrel = table_open(AttributeRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_attribute_attrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[1], Anum_pg_attribute_attnum, BTGreaterStrategyNumber,
				F_INT2GT, Int16GetDatum(0));
	scan = systable_beginscan(attrel, AttributeRelidNumIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(tuple);

		if (att->attnum <= table->natts)
			memcpy(&table->atts[att->attnum - 1], att, ATTRIBUTE_FIXED_PART_SIZE);
	}
	systable_endscan(scan);
	table_close(attrel, AccessShareLock);
	return true;
}

/* Whether the table has a row; the command holds a lock that keeps it so. */
static bool
has_rows(Oid relid)
{
	Relation	rel = table_open(relid, NoLock);
	Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
	TableScanDesc scan = table_beginscan(rel, snapshot, 0, NULL);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	bool		found;

	found = table_scan_getnextslot(scan, ForwardScanDirection, slot);
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, NoLock);
	return found;
}

static bool
has_name(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp((const char *) lfirst(lc), name) == 0)
			return true;
	return false;
}

static const StatementDefault *
statement_default(EnforceFrame *frame, const char *column)
{
	ListCell   *lc;

	foreach(lc, frame->defaults)
	{
		StatementDefault *sd = (StatementDefault *) lfirst(lc);

		if (sd->column != NULL && strcmp(sd->column, column) == 0)
			return sd;
	}
	return NULL;
}

/* Where a default the text did not show came from. */
static const char *
stored_source(EnforceFrame *frame, const TableInfo *table,
			  Form_pg_attribute att)
{
	if (has_name(frame->serial, NameStr(att->attname)))
		return "serial";
	if (att->attinhcount > 0)
		return table->relispartition ? "partition" : "inherited";
	if (frame->like)
		return "like";
	return frame->creates ? "statement" : "altered";
}

/* The audit row of one default. */
static void
audit_default(EnforceFrame *frame, const char *command, const TableInfo *table,
			  const char *column, const char *domain, const DefaultCheck *check,
			  Node *stored, const char *source, bool same_uuid)
{
	DpAuditEvent event = {0};
	StringInfoData detail;
	char	   *type_name = check->type_name;
	char	   *expression = check->normalized;

	if (expression == NULL && stored != NULL)
		expression = dp_canonical_text(stored, check->typid, check->typmod,
									   &type_name);
	if (type_name == NULL && OidIsValid(check->typid))
		type_name = format_type_with_typemod(check->typid, check->typmod);

	event.action = "ddl_default";
	if (table != NULL)
		event.table_name = table->qualified;
	event.column_name = column;
	event.column_type = type_name;
	event.expression = expression;
	event.kind = dp_kind_name(check->kind);
	event.kept_default = -1;
	event.rewrote = -1;
	dp_json_begin(&detail);
	dp_json_add_text(&detail, "command", command);
	dp_json_add_text(&detail, "source", source);
	if (domain != NULL)
		dp_json_add_text(&detail, "domain", domain);
	dp_json_add_text(&detail, "enforce", frame->mode == DP_ENFORCE_ERROR ? "error" : "warn");
	if (!check->valid)
		dp_json_add_text(&detail, "reason", dp_check_reason(check));
	if (same_uuid)
		dp_json_add_text(&detail, "warning", "every existing row got the same uuid");
	event.detail = dp_json_end(&detail);
	(void) dp_audit(&event);
}

/*
 * The frozen uuid: a NOT NULL column added with a constant uuid default to
 * a table that has rows gives every row the same value.
 */
static bool
frozen_uuid(EnforceFrame *frame, const TableInfo *table, Form_pg_attribute att,
			const DefaultCheck *check)
{
	if (frame->creates || !att->attnotnull || !check->valid ||
		check->kind != DEFAULT_KIND_STATIC ||
		getBaseType(att->atttypid) != UUIDOID ||
		!has_name(frame->added, NameStr(att->attname)) ||
		table->relkind != RELKIND_RELATION || !has_rows(table->relid))
		return false;
	if (!frame->uuid_warned)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("every existing row of table \"%s\" gets the same value for column \"%s\"",
						table->relname, NameStr(att->attname)),
				 errdetail("The default is a constant uuid, evaluated once when the column is added."),
				 errhint("Use gen_random_uuid() as the default, or add the column with add_column_with_policy() and a policy whose default is gen_random_uuid().")));
	frame->uuid_warned = true;
	return true;
}

/*
 * The default a new column without one of its own gets from its domain (a
 * domain over a domain copied its base's default when it was created).
 */
static Node *
domain_default(Oid typid)
{
	if (get_typtype(typid) != TYPTYPE_DOMAIN)
		return NULL;
	return get_typdefault(typid);
}

/*
 * The verdict of the start, judged again now: a function it allowed may
 * have been taken off the allowlist while the statement waited for its
 * lock.  Returns check itself, or an invalid verdict in *recheck.
 */
static const DefaultCheck *
judge_again(const DefaultCheck *check, DefaultCheck *recheck)
{
	ListCell   *lc;

	foreach(lc, check->allowlisted)
	{
		Oid			funcid = lfirst_oid(lc);
		char	   *signature;

		if (dp_function_is_allowlisted(funcid))
			continue;
		signature = dp_function_signature(funcid);
		*recheck = *check;
		recheck->valid = false;
		recheck->kind = DEFAULT_KIND_INVALID;
		recheck->sqlstate = ERRCODE_INVALID_OBJECT_DEFINITION;
		recheck->message = psprintf("function %s is not allowed in a default",
									signature ? signature : "(dropped)");
		recheck->detail = pstrdup("It was taken off the allowlist while the statement waited for its lock.");
		recheck->hint = NULL;
		return recheck;
	}
	return check;
}

/*
 * The defaults this command stored on one relation: target says whether
 * it is the statement's own table (else a partition or child it recursed
 * to).
 */
static void
end_relation(EnforceFrame *frame, const char *command, Oid relid, bool target)
{
	TableInfo	table;
	Relation	attrdef;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Bitmapset  *judged = NULL;

	if (!read_table(relid, &table))
		return;

	attrdef = table_open(AttrDefaultRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_attrdef_adrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(attrdef, AttrDefaultIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_attrdef def = (Form_pg_attrdef) GETSTRUCT(tuple);
		Form_pg_attribute att;
		const StatementDefault *sd;
		DefaultCheck stored_check;
		const DefaultCheck *check;
		const char *source;
		Node	   *stored;
		bool		isnull;
		Datum		adbin;

		if (!TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data)) ||
			HeapTupleHeaderGetCmin(tuple->t_data) < frame->start_cid ||
			def->adnum <= 0 || def->adnum > table.natts)
			continue;
		att = &table.atts[def->adnum - 1];
		if (att->attisdropped || att->attgenerated != '\0')
			continue;
		judged = bms_add_member(judged, def->adnum);

		adbin = heap_getattr(tuple, Anum_pg_attrdef_adbin,
							 RelationGetDescr(attrdef), &isnull);
		if (isnull)
			continue;
		stored = stringToNode(TextDatumGetCString(adbin));

		sd = statement_default(frame, NameStr(att->attname));
		if (sd != NULL)
		{
			/* reported at the start, unless the allowlist changed since */
			check = judge_again(&sd->check, &stored_check);
			source = target ? "statement" :
				table.relispartition ? "partition" : "inherited";
			if (check != &sd->check)
				report_invalid(frame->mode, check,
							   column_what(NameStr(att->attname), table.relname));
		}
		else
		{
			dp_check_stored(stored, att->atttypid, att->atttypmod, table.owner,
							&stored_check);
			check = &stored_check;
			source = stored_source(frame, &table, att);
			if (!check->valid)
				report_invalid(frame->mode, check,
							   column_what(NameStr(att->attname), table.relname));
		}
		audit_default(frame, command, &table, NameStr(att->attname), NULL, check,
					  stored, source, frozen_uuid(frame, &table, att, check));
	}
	systable_endscan(scan);
	table_close(attrdef, AccessShareLock);

	/* new columns without a default of their own take their domain's */
	for (int i = 0; i < table.natts; i++)
	{
		Form_pg_attribute att = &table.atts[i];
		Node	   *expr;
		DefaultCheck check;

		if (att->attnum == 0 || att->attisdropped || att->atthasdef ||
			bms_is_member(att->attnum, judged) ||
			(!frame->creates && !has_name(frame->added, NameStr(att->attname))) ||
			(expr = domain_default(att->atttypid)) == NULL)
			continue;
		dp_check_stored(expr, att->atttypid, att->atttypmod, table.owner, &check);
		if (!check.valid)
			report_invalid(frame->mode, &check,
						   column_what(NameStr(att->attname), table.relname));
		audit_default(frame, command, &table, NameStr(att->attname),
					  format_type_be_qualified(att->atttypid), &check, expr,
					  "domain", false);
	}
}

/* A domain's statement default, audited once the domain exists. */
static void
end_domain(EnforceFrame *frame, const char *command, List *names)
{
	Oid			domainid = LookupTypeNameOid(NULL, makeTypeNameFromNameList(names),
											 true);
	ListCell   *lc;

	if (!OidIsValid(domainid))
		return;
	foreach(lc, frame->defaults)
	{
		StatementDefault *sd = (StatementDefault *) lfirst(lc);
		DefaultCheck recheck;
		const DefaultCheck *check = judge_again(&sd->check, &recheck);

		if (check != &sd->check)
			report_invalid(frame->mode, check,
						   domain_what(format_type_be(domainid)));
		audit_default(frame, command, NULL, NULL,
					  format_type_be_qualified(domainid), check,
					  get_typdefault(domainid), "statement", false);
	}
}

/*
 * default_policy_enforce_end() RETURNS event_trigger, on ddl_command_end of
 * the same commands as default_policy_enforce_start()
 */
PG_FUNCTION_INFO_V1(default_policy_enforce_end);
Datum
default_policy_enforce_end(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata = (EventTriggerData *) fcinfo->context;
	Node	   *parsetree;
	EnforceFrame *frame;
	MemoryContext oldcxt;
	const char *command;

	if (!trigger_active(fcinfo))
		PG_RETURN_VOID();
	parsetree = trigdata->parsetree;
	frame = pop_frame(parsetree);
	if (frame == NULL)
		PG_RETURN_VOID();

	/*
	 * Judge what was stored as the catalog is now, not as it was when the
	 * statement began: it may have waited for its lock meanwhile.
	 */
	PushActiveSnapshot(GetLatestSnapshot());
	oldcxt = MemoryContextSwitchTo(frame->context);
	command = GetCommandTagName(trigdata->tag);
	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
		case T_CreateForeignTableStmt:
			{
				CreateStmt *stmt = (CreateStmt *) parsetree;
				Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);

				if (OidIsValid(relid))
					end_relation(frame, command, relid, true);
				break;
			}
		case T_AlterTableStmt:
			{
				AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
				Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
				List	   *relids;
				ListCell   *lc;

				if (!OidIsValid(relid))
					break;
				relids = stmt->relation->inh ?
					dp_table_and_descendants(relid) : list_make1_oid(relid);
				foreach(lc, relids)
					end_relation(frame, command, lfirst_oid(lc),
								 lfirst_oid(lc) == relid);
				break;
			}
		case T_CreateDomainStmt:
			end_domain(frame, command, ((CreateDomainStmt *) parsetree)->domainname);
			break;
		case T_AlterDomainStmt:
			end_domain(frame, command, ((AlterDomainStmt *) parsetree)->typeName);
			break;
		default:
			break;
	}
	MemoryContextSwitchTo(oldcxt);
	PopActiveSnapshot();
	MemoryContextDelete(frame->context);
	PG_RETURN_VOID();
}

/*
 * Refuse to rewrite relid if it is larger than max_rewrite_size.  own: the
 * rewrite is one of the extension's column functions'.
 */
void
dp_refuse_rewrite(Oid relid, bool own)
{
	if (dp_max_rewrite_size < 0)
		return;
	dp_refuse_rewrite_size(get_rel_name(relid),
						   DatumGetInt64(DirectFunctionCall1(pg_total_relation_size,
															 ObjectIdGetDatum(relid))),
						   own);
}

/*
 * The same for a table of size bytes, measured by the caller: a Citus
 * table's size is its shards'.
 */
void
dp_refuse_rewrite_size(const char *relname, int64 size, bool own)
{
	if (dp_max_rewrite_size < 0 || size <= dp_max_rewrite_size)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("rewriting table \"%s\" is not allowed", relname),
			 errdetail("The table takes %s, more than defaults_policy.max_rewrite_size (%s); a rewrite holds an ACCESS EXCLUSIVE lock for as long as it takes.",
					   dp_size_text(size), dp_size_text(dp_max_rewrite_size)),
			 own ?
			 errhint("Use a default that needs no rewrite (a static or stable one), or add the column online with CALL add_column_with_default_concurrently(), which fills existing rows in batches; or raise defaults_policy.max_rewrite_size for this transaction.") :
			 errhint("To add a column, use CALL add_column_with_default_concurrently(), which fills existing rows in batches, or add_column_with_default() with a default that needs no rewrite (a static or stable one); or raise defaults_policy.max_rewrite_size for this transaction.")));
}

/*
 * default_policy_enforce_rewrite() RETURNS event_trigger, on table_rewrite
 */
PG_FUNCTION_INFO_V1(default_policy_enforce_rewrite);
Datum
default_policy_enforce_rewrite(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata = (EventTriggerData *) fcinfo->context;
	LOCAL_FCINFO(rewrite_fcinfo, 0);
	Oid			relid;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "not fired by event trigger manager");
	if (dp_max_rewrite_size < 0 || IsBinaryUpgrade || creating_extension ||
		dp_citus_replay(trigdata->parsetree))
		PG_RETURN_VOID();

	InitFunctionCallInfoData(*rewrite_fcinfo, NULL, 0, InvalidOid, NULL, NULL);
	relid = DatumGetObjectId(pg_event_trigger_table_rewrite_oid(rewrite_fcinfo));
	dp_refuse_rewrite(relid, is_own(trigdata->parsetree));
	PG_RETURN_VOID();
}
