/*-------------------------------------------------------------------------
 *
 * citus.c
 *	  Citus: telling its tables, shards and replayed DDL apart, reading its
 *	  metadata, and bounding lock waits on its workers.
 *
 * Citus is another extension, and may be absent: nothing here is linked
 * against it.  It counts as present when its library is loaded (it defines
 * the setting citus.version, and must be in shared_preload_libraries to
 * work at all) and the extension exists in this database; then its
 * metadata tables (pg_dist_partition, pg_dist_shard, pg_dist_placement,
 * pg_dist_node, pg_dist_local_group, all in pg_catalog and readable by
 * everyone) are read through SPI, and its own functions are called the way
 * a user would call them.  Without Citus every entry point here answers
 * "not a Citus table" from a setting lookup alone.
 *
 * The hard part is the lock waits on the workers.  An ALTER TABLE on a
 * Citus table runs on the coordinator and is replayed by Citus on every
 * shard placement, over its own connections, inside the caller's
 * distributed transaction; a lock wait there does not see this backend's
 * lock_timeout.  Citus sends a SET LOCAL to the workers (and to the
 * connections it opens later in the transaction) only under
 * citus.propagate_set_commands = 'local' and only when it thinks it runs
 * in a multi-statement transaction: a transaction block, a DO block, a
 * procedure, or a function called from within a query.  A C function called
 * from a top-level SELECT is none of these, so the SET LOCAL is issued from
 * a DO block.  Citus ties it to the current subtransaction, as the workers
 * do: rolled back with a failed attempt (lock.c), and reset explicitly after
 * a successful one, so that the caller's later statements in the same
 * transaction wait on the workers as they would have.
 *
 * Shard DDL replayed by Citus fires the event triggers of the node it runs
 * on: on a worker, over a connection whose application_name starts with
 * "citus_internal gpid=" (what Citus itself checks); on the coordinator,
 * for its own placements (a reference table's copy, a Citus local table's
 * shard), in the caller's backend, on a relation named after a shard.
 * Enforcement passes both (dp_citus_replay()); the allowlist's triggers,
 * which act on functions, pass what a worker is sent
 * (dp_citus_worker_replay()).
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include <ctype.h>

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/proclang.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

/* What Citus names the connections it opens to run its own commands. */
#define CITUS_INTERNAL_PREFIX	"citus_internal gpid="

/* Why a default cannot go to a Citus table. */
typedef enum CitusRefusal
{
	CITUS_REFUSAL_NONE,
	CITUS_REFUSAL_NEXTVAL,		/* Citus refuses nextval() in ADD COLUMN */
	CITUS_REFUSAL_COPIES		/* a volatile default on copies that differ */
} CitusRefusal;

/*
 * Whether Citus is loaded into this backend and installed in this
 * database.  Without its library loaded nothing can be a Citus table.
 */
static bool
citus_present(void)
{
	if (GetConfigOption("citus.version", true, false) == NULL)
		return false;
	return OidIsValid(get_extension_oid("citus", true));
}

/* Whether this backend is one Citus opened to run its own commands. */
static bool
citus_internal_backend(void)
{
	return application_name != NULL &&
		strncmp(application_name, CITUS_INTERNAL_PREFIX,
				strlen(CITUS_INTERNAL_PREFIX)) == 0;
}

/*
 * Run one internal query with parameters; the rows are in SPI_tuptable
 * until SPI_finish().  The caller has connected to SPI.
 */
static uint64
citus_query(const char *sql, int nargs, Oid *argtypes, Datum *values)
{
	int			rc = SPI_execute_with_args(sql, nargs, argtypes, values, NULL,
										   true, 0);

	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read Citus metadata: %s",
			 SPI_result_code_string(rc));
	return SPI_processed;
}

static int64
int64_column(int row, int column)
{
	bool		isnull;
	Datum		value = SPI_getbinval(SPI_tuptable->vals[row],
									  SPI_tuptable->tupdesc, column, &isnull);

	return isnull ? 0 : DatumGetInt64(value);
}

/* This node's group: 0 on the coordinator (and on a node not yet added). */
static int32
local_group(void)
{
	int32		group = 0;
	bool		isnull;

	SPI_connect();
	if (citus_query("SELECT groupid FROM pg_catalog.pg_dist_local_group",
					0, NULL, NULL) > 0)
	{
		Datum		value = SPI_getbinval(SPI_tuptable->vals[0],
										  SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			group = DatumGetInt32(value);
	}
	SPI_finish();
	return group;
}

/*
 * Raise the error for a column function called on a Citus worker: the
 * policies, the allowlist and the audit trail are the coordinator's, and a
 * worker gets its DDL from the coordinator.  function names the SQL
 * function, as "add_column_with_default()".
 */
void
dp_citus_require_coordinator(const char *function)
{
	MemoryContext callercxt = CurrentMemoryContext;
	char	   *host = NULL;
	int32		port = 0;

	if (!citus_present() || local_group() == 0)
		return;

	SPI_connect();
	if (citus_query("SELECT nodename, nodeport FROM pg_catalog.pg_dist_node"
					" WHERE groupid OPERATOR(pg_catalog.=) 0"
					" AND noderole OPERATOR(pg_catalog.=) 'primary'"
					" ORDER BY nodeid LIMIT 1",
					0, NULL, NULL) > 0)
	{
		bool		isnull;

		host = MemoryContextStrdup(callercxt,
								   SPI_getvalue(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 1));
		port = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_finish();

	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot run %s on a Citus worker node", function),
			 errdetail("The policies, the allowlist and the audit trail live on the coordinator, which sends the DDL of Citus tables to the workers."),
			 host != NULL ?
			 errhint("Connect to the coordinator at %s:%d and run it there.", host, port) :
			 errhint("Connect to the coordinator and run it there.")));
}

/*
 * What Citus knows of relid (a table the caller has opened) and of the
 * partitions or children in relids (relid among them): false if it is not
 * a Citus table.  The counts cover every relation of relids.
 */
bool
dp_citus_table(Oid relid, List *relids, DpCitusTable *table)
{
	Oid			argtypes[1];
	Datum		values[1];
	ArrayType  *array;
	Datum	   *elems;
	int			n = 0;
	ListCell   *lc;

	memset(table, 0, sizeof(DpCitusTable));
	if (!citus_present())
		return false;

	SPI_connect();
	argtypes[0] = OIDOID;
	values[0] = ObjectIdGetDatum(relid);
	if (citus_query("SELECT partkey IS NOT NULL, repmodel, colocationid"
					" FROM pg_catalog.pg_dist_partition"
					" WHERE logicalrelid OPERATOR(pg_catalog.=) $1",
					1, argtypes, values) == 0)
	{
		SPI_finish();
		return false;
	}
	{
		bool		isnull;
		bool		partkey = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
														 SPI_tuptable->tupdesc, 1, &isnull));
		char		repmodel = DatumGetChar(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 2, &isnull));
		int64		colocation = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
															 SPI_tuptable->tupdesc, 3, &isnull));

		/* as the view citus_tables tells them apart */
		if (partkey)
			table->type = DP_CITUS_DISTRIBUTED;
		else if (repmodel == 't')
			table->type = DP_CITUS_REFERENCE;
		else if (colocation == 0)
			table->type = DP_CITUS_LOCAL;
		else
			table->type = DP_CITUS_DISTRIBUTED; /* one shard, no key */
	}

	/* the shards of the table and of its partitions, and their copies */
	elems = palloc(sizeof(Datum) * Max(list_length(relids), 1));
	foreach(lc, relids)
		elems[n++] = ObjectIdGetDatum(lfirst_oid(lc));
	array = construct_array(elems, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
	argtypes[0] = OIDARRAYOID;
	values[0] = PointerGetDatum(array);
	(void) citus_query("SELECT pg_catalog.count(DISTINCT s.shardid),"
					   " pg_catalog.count(p.placementid),"
					   " pg_catalog.count(p.placementid) FILTER"
					   "  (WHERE c.relkind OPERATOR(pg_catalog.=) 'r'),"
					   " pg_catalog.count(DISTINCT p.groupid)"
					   " FROM pg_catalog.pg_dist_shard s"
					   " JOIN pg_catalog.pg_dist_placement p"
					   "  ON p.shardid OPERATOR(pg_catalog.=) s.shardid"
					   " JOIN pg_catalog.pg_class c"
					   "  ON c.oid OPERATOR(pg_catalog.=) s.logicalrelid"
					   " WHERE s.logicalrelid OPERATOR(pg_catalog.=) ANY ($1)"
					   " AND p.shardstate OPERATOR(pg_catalog.=) 1",
					   1, argtypes, values);
	table->shards = int64_column(0, 1);
	table->placements = int64_column(0, 2);
	table->storage_placements = int64_column(0, 3);
	table->nodes = int64_column(0, 4);
	table->replicated = table->placements > table->shards;
	SPI_finish();
	return true;
}

/* The table type as the audit and citus_tables name it. */
const char *
dp_citus_type_name(DpCitusType type)
{
	switch (type)
	{
		case DP_CITUS_DISTRIBUTED:
			return "distributed";
		case DP_CITUS_REFERENCE:
			return "reference";
		case DP_CITUS_LOCAL:
			return "local";
		case DP_CITUS_NONE:
			break;
	}
	return "none";
}

/* The audit detail's keys of a Citus table. */
void
dp_citus_json(StringInfo detail, const DpCitusTable *table,
			  int64 placements_rewritten)
{
	dp_json_add_text(detail, "citus_table_type", dp_citus_type_name(table->type));
	dp_json_add_raw(detail, "shards", psprintf(INT64_FORMAT, table->shards));
	dp_json_add_raw(detail, "shard_placements",
					psprintf(INT64_FORMAT, table->placements));
	dp_json_add_raw(detail, "placements_rewritten",
					psprintf(INT64_FORMAT, placements_rewritten));
	dp_json_add_raw(detail, "nodes", psprintf(INT64_FORMAT, table->nodes));
}

static bool
is_nextval(Oid funcid, void *arg)
{
	return funcid == F_NEXTVAL;
}

/* Why the default cannot be added to the Citus table, if it cannot. */
static CitusRefusal
refusal(const DpCitusTable *table, const DefaultCheck *check)
{
	Node	   *unknown;

	if (dp_walk_functions(check->expr, is_nextval, NULL, &unknown))
		return CITUS_REFUSAL_NEXTVAL;
	if ((table->type == DP_CITUS_REFERENCE || table->replicated) &&
		contain_volatile_functions(check->expr))
		return CITUS_REFUSAL_COPIES;
	return CITUS_REFUSAL_NONE;
}

/*
 * Refuse, before any lock is asked for, a default Citus cannot add to this
 * table or that would not give one value where users expect one:
 *
 *	 nextval()	Citus refuses ADD COLUMN ... NOT NULL DEFAULT nextval() on
 *				all its tables, and without NOT NULL on a table with rows,
 *				after the coordinator has done its part.
 *	 volatile	on a table whose shards have more than one copy (every
 *				reference table, a distributed table with
 *				shard_replication_factor above 1): each copy would be
 *				filled by its own node, with values of its own.
 */
void
dp_citus_refuse_default(const DpCitusTable *table, const DefaultCheck *check,
						const char *column, const char *relname)
{
	switch (refusal(table, check))
	{
		case CITUS_REFUSAL_NONE:
			break;
		case CITUS_REFUSAL_NEXTVAL:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot add column \"%s\" to Citus table \"%s\" with a default that calls nextval()",
							column, relname),
					 errdetail("Citus does not support ADD COLUMN ... NOT NULL DEFAULT nextval() on its tables: it cannot fill existing rows of the shards from a sequence of the coordinator."),
					 errhint("Use a static default, or gen_random_uuid() for a unique identifier on a distributed table.")));
			break;
		case CITUS_REFUSAL_COPIES:
			if (table->type == DP_CITUS_REFERENCE)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot add column \"%s\" to reference table \"%s\" with a volatile default",
								column, relname),
						 errdetail_plural("The table has %lld copy, one per node, and each node would compute its own values for it.",
										  "The table has %lld copies, one per node, and each node would compute its own values for them: the copies would differ.",
										  (unsigned long) table->placements,
										  (long long) table->placements),
						 errhint("Use a static or stable default (now() is evaluated once, on the coordinator): every copy gets the same value.")));
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot add column \"%s\" to distributed table \"%s\" with a volatile default",
							column, relname),
					 errdetail("Its shards have more than one copy, and each node would compute its own values for its copies: the copies would differ."),
					 errhint("Use a static or stable default (now() is evaluated once, on the coordinator): every copy gets the same value.")));
			break;
	}
}

/* What explain_add_column says of such a default, or NULL. */
char *
dp_citus_refusal_note(const DpCitusTable *table, const DefaultCheck *check)
{
	switch (refusal(table, check))
	{
		case CITUS_REFUSAL_NONE:
			break;
		case CITUS_REFUSAL_NEXTVAL:
			return pstrdup("refused: Citus does not support ADD COLUMN ... NOT NULL DEFAULT nextval() on its tables");
		case CITUS_REFUSAL_COPIES:
			return pstrdup("refused: a volatile default would give each copy of the shards values of its own");
	}
	return NULL;
}

/*
 * Whether check's default is stable rather than volatile: evaluated on the
 * coordinator, once, for a Citus table (add_column.c).
 */
bool
dp_citus_evaluates_once(const DefaultCheck *check)
{
	return check->kind == DEFAULT_KIND_DYNAMIC &&
		!contain_volatile_functions(check->expr);
}

/*
 * Run one SET or RESET through a DO block, so that Citus sends it to the
 * workers in this transaction (see the file header).  This backend's own
 * settings are restored at once: only the workers keep it.
 */
static void
run_on_workers(const char *command)
{
	int			nestlevel;
	int			rc;

	if (!OidIsValid(get_language_oid("plpgsql", true)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("language \"plpgsql\" does not exist"),
				 errdetail("Bounding lock waits on the shards of a Citus table sends a SET LOCAL to the workers from a DO block."),
				 errhint("Run CREATE EXTENSION plpgsql.")));

	nestlevel = NewGUCNestLevel();
	set_config_option("citus.propagate_set_commands", "local", PGC_USERSET,
					  PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	SPI_connect();
	rc = SPI_execute(psprintf("DO $dp$BEGIN %s; END$dp$", command), false, 0);
	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "could not run \"%s\": %s", command,
			 SPI_result_code_string(rc));
	SPI_finish();
	AtEOXact_GUC(false, nestlevel);
}

/*
 * Bound every lock wait on the workers from now until
 * dp_citus_end_remote_waits(), in this subtransaction, to timeout_ms.
 */
void
dp_citus_bound_remote_waits(long timeout_ms)
{
	run_on_workers(psprintf("SET LOCAL lock_timeout = %ld", timeout_ms));
}

/* The workers' lock_timeout as it was: their own setting. */
void
dp_citus_end_remote_waits(void)
{
	run_on_workers("RESET lock_timeout");
}

/*
 * The relation a statement creates or alters, or NULL: what tells a
 * replayed shard DDL from a user's.
 */
static RangeVar *
statement_relation(Node *parsetree)
{
	if (parsetree == NULL)
		return NULL;
	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
			return ((CreateStmt *) parsetree)->relation;
		case T_CreateForeignTableStmt:
			return ((CreateForeignTableStmt *) parsetree)->base.relation;
		case T_AlterTableStmt:
			return ((AlterTableStmt *) parsetree)->relation;
		default:
			return NULL;
	}
}

/*
 * Whether rv names a shard: its name ends in _<shard id>, a shard Citus
 * knows, of a table in the same schema.  Shard names are the table's name
 * (shortened when long) and the shard id.
 */
static bool
is_shard(RangeVar *rv)
{
	const char *digits = strrchr(rv->relname, '_');
	int64		shardid;
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1];
	Oid			logical = InvalidOid;
	Oid			nspid;

	if (digits == NULL || digits[1] == '\0')
		return false;
	for (const char *p = digits + 1; *p; p++)
		if (!isdigit((unsigned char) *p))
			return false;
	shardid = strtoi64(digits + 1, NULL, 10);
	if (shardid <= 0 || !citus_present())
		return false;

	values[0] = Int64GetDatum(shardid);
	SPI_connect();
	if (citus_query("SELECT logicalrelid::pg_catalog.oid FROM pg_catalog.pg_dist_shard"
					" WHERE shardid OPERATOR(pg_catalog.=) $1",
					1, argtypes, values) > 0)
	{
		bool		isnull;

		logical = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 1,
												 &isnull));
	}
	SPI_finish();
	if (!OidIsValid(logical))
		return false;

	if (rv->schemaname != NULL)
		nspid = get_namespace_oid(rv->schemaname, true);
	else
	{
		Oid			relid = RangeVarGetRelid(rv, NoLock, true);

		nspid = OidIsValid(relid) ? get_rel_namespace(relid) : InvalidOid;
	}
	return nspid == get_rel_namespace(logical);
}

/*
 * Whether this backend is a connection the coordinator opened to a
 * worker: everything it runs is Citus replaying the coordinator's DDL.
 */
bool
dp_citus_worker_replay(void)
{
	return citus_internal_backend() && citus_present() && local_group() != 0;
}

/*
 * Whether the DDL statement parsetree is Citus replaying DDL of a Citus
 * table: on a worker, anything its coordinator sends; on any node, DDL on
 * a shard, which only Citus runs.  The coordinator judged and audited the
 * statement it came from.
 */
bool
dp_citus_replay(Node *parsetree)
{
	RangeVar   *rv;

	if (dp_citus_worker_replay())
		return true;
	rv = statement_relation(parsetree);
	return rv != NULL && is_shard(rv);
}

/*
 * The rows of a Citus table's shards, from the workers' statistics
 * (pg_class.reltuples of each shard, one placement each): false when they
 * are not known, because a shard was never analysed or a node did not
 * answer.  relids are the table and its partitions; those without storage
 * are skipped.
 */
typedef struct CitusRows
{
	List	   *relids;
	double		rows;
	bool		known;
} CitusRows;

static void
count_rows(void *arg)
{
	CitusRows  *count = (CitusRows *) arg;
	ListCell   *lc;

	count->known = true;
	SPI_connect();
	foreach(lc, count->relids)
	{
		Oid			argtypes[2] = {REGCLASSOID, TEXTOID};
		Datum		values[2];
		uint64		n;

		if (get_rel_relkind(lfirst_oid(lc)) != RELKIND_RELATION)
			continue;
		values[0] = ObjectIdGetDatum(lfirst_oid(lc));
		values[1] = CStringGetTextDatum("SELECT reltuples FROM pg_catalog.pg_class"
										" WHERE oid OPERATOR(pg_catalog.=) '%s'::pg_catalog.regclass");
		n = citus_query("SELECT success, result"
						" FROM pg_catalog.run_command_on_shards($1, $2)",
						2, argtypes, values);
		for (uint64 i = 0; i < n; i++)
		{
			bool		isnull;
			bool		success = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
															 SPI_tuptable->tupdesc, 1, &isnull));
			char	   *result = SPI_getvalue(SPI_tuptable->vals[i],
											  SPI_tuptable->tupdesc, 2);
			char	   *end;
			double		reltuples;

			/* the result of a failed shard is the error's text */
			reltuples = (success && result != NULL) ? strtod(result, &end) : -1;
			if (!success || result == NULL || *end != '\0' || reltuples < 0)
				count->known = false;
			else
				count->rows += reltuples;
		}
	}
	SPI_finish();
}

bool
dp_citus_rows(List *relids, double *rows)
{
	CitusRows	count = {0};
	ErrorData  *edata;

	count.relids = relids;
	edata = dp_try_in_subtransaction(count_rows, &count, false);
	if (edata != NULL)
	{
		/* a node that cannot be reached leaves the rows unknown */
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		FreeErrorData(edata);
		return false;
	}
	*rows = count.rows;
	return count.known;
}

/*
 * The size of a Citus table's shards, every copy counted, as Citus
 * measures it on the workers (citus_total_relation_size): what a rewrite
 * of the table rewrites.  relids are the table and its partitions; those
 * without storage are skipped.  -1 when Citus cannot tell: it refuses to
 * measure in a transaction that has modified several shards.
 */
typedef struct CitusSize
{
	List	   *relids;
	int64		size;
} CitusSize;

static void
measure(void *arg)
{
	CitusSize  *measured = (CitusSize *) arg;
	ListCell   *lc;

	SPI_connect();
	foreach(lc, measured->relids)
	{
		Oid			argtypes[1] = {REGCLASSOID};
		Datum		values[1];

		if (get_rel_relkind(lfirst_oid(lc)) != RELKIND_RELATION)
			continue;
		values[0] = ObjectIdGetDatum(lfirst_oid(lc));
		if (citus_query("SELECT pg_catalog.citus_total_relation_size($1)",
						1, argtypes, values) > 0)
			measured->size += int64_column(0, 1);
	}
	SPI_finish();
}

int64
dp_citus_size(List *relids)
{
	CitusSize	measured = {0};
	ErrorData  *edata;

	measured.relids = relids;
	edata = dp_try_in_subtransaction(measure, &measured, false);
	if (edata == NULL)
		return measured.size;
	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
		ReThrowError(edata);
	FreeErrorData(edata);
	return -1;
}
