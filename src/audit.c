/*-------------------------------------------------------------------------
 *
 * audit.c
 *	  The audit trail: one row in default_policy_audit per change.
 *
 * A row is written in the transaction of the change, so it commits or
 * rolls back with the change.  With defaults_policy.log_audit the same
 * event also goes to the server log at once, as one line of JSON, so that
 * an attempt whose transaction rolls back still leaves a trace:
 *
 *	 LOG:  defaults_policy audit: {"id": 7, "at": "...", "txid": "...", ...}
 *
 * The row is written directly, as PostgreSQL writes catalog rows: formed as
 * a heap tuple, inserted into the table and its primary key index, with no
 * statement parsed or planned; writing it is on the path of every column
 * the extension adds.  No trigger fires for it: the table's only triggers
 * are the guard's, which stop everyone else's direct writes.  The log line
 * is written from the very values the tuple is formed from, column by
 * column, so the two never disagree.
 *
 * The ids come from the table's own sequence, which a pg_write_all_data
 * member can setval().  Before each insert the new id is compared with the
 * highest id in the table, read from the end of the primary key; an id that
 * is not above it (the sequence was set back, or set to the last id with
 * is_called false, or set to its end, when the sequence, which CYCLEs, wraps)
 * sets the sequence after the trail, as the extension's owner, and draws
 * again, so that tampering can neither stop the trail nor make it go back.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"

#define DP_AUDIT_TABLE	"default_policy_audit"

/* The columns of default_policy_audit, in order. */
enum
{
	Anum_audit_id = 1,
	Anum_audit_at,
	Anum_audit_txid,
	Anum_audit_session_user_name,
	Anum_audit_current_user_name,
	Anum_audit_action,
	Anum_audit_table_name,
	Anum_audit_column_name,
	Anum_audit_column_type,
	Anum_audit_expression,
	Anum_audit_kind,
	Anum_audit_policy_name,
	Anum_audit_kept_default,
	Anum_audit_rewrote,
	Anum_audit_detail,
	Natts_audit = Anum_audit_detail
};

static const char *const audit_columns[Natts_audit] = {
	"id", "at", "txid", "session_user_name", "current_user_name", "action",
	"table_name", "column_name", "column_type", "expression", "kind",
	"policy_name", "kept_default", "rewrote", "detail"
};

/* The table, its primary key and its id sequence, looked up once. */
static Oid	audit_relid = InvalidOid;
static Oid	audit_indexid = InvalidOid;
static Oid	audit_seqid = InvalidOid;

static void
audit_invalidate(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == audit_relid ||
		relid == audit_indexid || relid == audit_seqid)
		audit_relid = audit_indexid = audit_seqid = InvalidOid;
}

void
dp_init_audit(void)
{
	CacheRegisterRelcacheCallback(audit_invalidate, (Datum) 0);
}

/*
 * The audit table and its id sequence, looked up once per backend and again
 * after any change to them; nothing is locked.  The lock protocol takes
 * their locks with the table's (lock.c).
 */
void
dp_audit_relations(Oid *relid, Oid *seqid)
{
	if (!OidIsValid(audit_relid))
	{
		Oid			rel = dp_extension_relid(DP_AUDIT_TABLE);
		List	   *sequences = getOwnedSequences(rel);

		if (list_length(sequences) != 1)
			elog(ERROR, "relation \"%s\" has no id sequence", DP_AUDIT_TABLE);
		audit_seqid = linitial_oid(sequences);
		audit_indexid = InvalidOid;
		audit_relid = rel;
	}
	*relid = audit_relid;
	*seqid = audit_seqid;
}

/*
 * Open the audit table for inserting, and check that it is the table this
 * code writes: its columns, its primary key.
 */
static Relation
open_audit(void)
{
	Oid			relid;
	Oid			seqid;
	Relation	rel;

	dp_audit_relations(&relid, &seqid);
	rel = table_open(relid, RowExclusiveLock);
	if (!OidIsValid(audit_indexid))
	{
		TupleDesc	desc = RelationGetDescr(rel);

		if (desc->natts != Natts_audit)
			elog(ERROR, "relation \"%s\" does not have the expected columns",
				 DP_AUDIT_TABLE);
		for (int i = 0; i < Natts_audit; i++)
			if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), audit_columns[i]) != 0)
				elog(ERROR, "relation \"%s\" does not have the expected columns",
					 DP_AUDIT_TABLE);
		audit_indexid = RelationGetPrimaryKeyIndex(rel);
		if (!OidIsValid(audit_indexid))
			elog(ERROR, "relation \"%s\" has no primary key", DP_AUDIT_TABLE);
	}
	return rel;
}

/* The highest id in the table, dead rows and other sessions' rows too. */
static int64
highest_id(Relation rel)
{
	SysScanDesc scan;
	HeapTuple	tuple;
	int64		id = 0;
	bool		isnull;

	scan = systable_beginscan_ordered(rel, index_open(audit_indexid, AccessShareLock),
									  SnapshotAny, 0, NULL);
	tuple = systable_getnext_ordered(scan, BackwardScanDirection);
	if (HeapTupleIsValid(tuple))
		id = DatumGetInt64(heap_getattr(tuple, Anum_audit_id,
										RelationGetDescr(rel), &isnull));
	index_close(scan->irel, AccessShareLock);
	systable_endscan_ordered(scan);
	return id;
}

/* Set the sequence after the trail, as the extension's owner. */
static void
set_sequence_after(int64 highest)
{
	DpOwnerSwitch sw;

	dp_begin_as_owner(&sw);
	DirectFunctionCall2(setval_oid, ObjectIdGetDatum(audit_seqid),
						Int64GetDatum(Max(highest, 1)));
	dp_end_as_owner(&sw);
}

/*
 * The last id this backend wrote, and the command that wrote it: a command
 * that writes several rows (enforcement audits each default of a statement)
 * probes the end of the table once, for its first.
 */
static TransactionId last_xid = InvalidTransactionId;
static CommandId last_cid = InvalidCommandId;
static int64 last_id = 0;

/* The next id: drawn from the sequence, and above every id in the table. */
static int64
next_id(Relation rel)
{
	int64		id = nextval_internal(audit_seqid, false);
	TransactionId xid = GetTopTransactionId();
	CommandId	cid = GetCurrentCommandId(false);

	if (!(xid == last_xid && cid == last_cid && id > last_id))
	{
		int64		highest = highest_id(rel);

		if (id <= highest)
		{
			/* the sequence was set back, or set to its end and wrapped (CYCLE) */
			set_sequence_after(highest);
			id = nextval_internal(audit_seqid, false);
		}
	}
	last_xid = xid;
	last_cid = cid;
	last_id = id;
	return id;
}

static Datum
name_datum(const char *name)
{
	return DirectFunctionCall1(namein, CStringGetDatum(name));
}

/*
 * The row as one line of JSON, the columns in the table's order, written
 * from the values it was formed from (no second pass over the tuple).  The
 * detail is the JSON text it was stored from.
 */
static char *
log_line(const Datum *values, const bool *nulls, const char *const *texts,
		 const DpAuditEvent *event)
{
	StringInfoData buf;
	char		at[MAXDATELEN + 1];

	dp_json_begin(&buf);
	dp_json_add_raw(&buf, "id", psprintf(INT64_FORMAT,
										 DatumGetInt64(values[Anum_audit_id - 1])));
	dp_json_add_text(&buf, "at",
					 JsonEncodeDateTime(at, values[Anum_audit_at - 1],
										TIMESTAMPTZOID, NULL));
	dp_json_add_text(&buf, "txid",
					 psprintf(UINT64_FORMAT,
							  DatumGetUInt64(values[Anum_audit_txid - 1])));
	dp_json_add_text(&buf, "session_user_name",
					 NameStr(*DatumGetName(values[Anum_audit_session_user_name - 1])));
	dp_json_add_text(&buf, "current_user_name",
					 NameStr(*DatumGetName(values[Anum_audit_current_user_name - 1])));
	for (int i = Anum_audit_action; i <= Anum_audit_policy_name; i++)
		dp_json_add_text(&buf, audit_columns[i - 1], texts[i - Anum_audit_action]);
	dp_json_add_raw(&buf, "kept_default", nulls[Anum_audit_kept_default - 1] ? NULL :
					event->kept_default > 0 ? "true" : "false");
	dp_json_add_raw(&buf, "rewrote", nulls[Anum_audit_rewrote - 1] ? NULL :
					event->rewrote > 0 ? "true" : "false");
	dp_json_add_raw(&buf, "detail", event->detail);
	return dp_json_end(&buf);
}

/*
 * Write one audit row and return it as a composite Datum of type
 * default_policy_audit, allocated in the caller's memory context.
 */
Datum
dp_audit(const DpAuditEvent *event)
{
	Datum		values[Natts_audit];
	bool		nulls[Natts_audit] = {0};
	const char *texts[] = {
		event->action, event->table_name, event->column_name,
		event->column_type, event->expression, event->kind,
		event->policy_name
	};
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tuple;
	Datum		row;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slot;

	rel = open_audit();
	desc = RelationGetDescr(rel);

	values[Anum_audit_id - 1] = Int64GetDatum(next_id(rel));
	values[Anum_audit_at - 1] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[Anum_audit_txid - 1] =
		FullTransactionIdGetDatum(GetTopFullTransactionId());
	values[Anum_audit_session_user_name - 1] =
		name_datum(GetUserNameFromId(GetSessionUserId(), false));
	values[Anum_audit_current_user_name - 1] =
		name_datum(GetUserNameFromId(GetUserId(), false));
	for (size_t i = 0; i < lengthof(texts); i++)
	{
		int			attnum = Anum_audit_action + i;

		if (texts[i] == NULL)
			nulls[attnum - 1] = true;
		else if (attnum == Anum_audit_column_name)
			values[attnum - 1] = name_datum(texts[i]);
		else
			values[attnum - 1] = CStringGetTextDatum(texts[i]);
	}
	values[Anum_audit_kept_default - 1] = BoolGetDatum(event->kept_default > 0);
	nulls[Anum_audit_kept_default - 1] = event->kept_default < 0;
	values[Anum_audit_rewrote - 1] = BoolGetDatum(event->rewrote > 0);
	nulls[Anum_audit_rewrote - 1] = event->rewrote < 0;
	if (event->detail)
		values[Anum_audit_detail - 1] =
			DirectFunctionCall1(jsonb_in, CStringGetDatum(event->detail));
	else
		nulls[Anum_audit_detail - 1] = true;

	/* the row and its primary key entry, as the executor would insert them */
	tuple = heap_form_tuple(desc, values, nulls);
	estate = CreateExecutorState();
	rri = makeNode(ResultRelInfo);
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);
	slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsHeapTuple);
	ExecStoreHeapTuple(tuple, slot, false);
	table_tuple_insert(rel, slot, GetCurrentCommandId(true), 0, NULL);
	(void) ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL);
	ExecCloseIndices(rri);
	ExecDropSingleTupleTableSlot(slot);
	FreeExecutorState(estate);

	row = heap_copy_tuple_as_datum(tuple, desc);
	table_close(rel, NoLock);

	if (dp_log_audit)
		ereport(LOG_SERVER_ONLY,
				(errmsg("defaults_policy audit: %s",
						log_line(values, nulls, texts, event)),
				 errhidestmt(true),
				 errhidecontext(true)));
	return row;
}

/*
 * A minimal JSON object writer for the detail column: keys are ours, values
 * are escaped.  Call dp_json_begin(), then the add functions, then
 * dp_json_end() for the text.
 */
/* Whether the trail has a row with this id that a new snapshot sees. */
static bool
id_taken(Relation rel, int64 id)
{
	Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
	ScanKeyData key;
	SysScanDesc scan;
	bool		taken;

	ScanKeyInit(&key, Anum_audit_id, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(id));
	scan = systable_beginscan(rel, audit_indexid, true, snapshot, 1, &key);
	taken = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	UnregisterSnapshot(snapshot);
	return taken;
}

/*
 * default_policy_audit_make_room() RETURNS trigger, BEFORE INSERT FOR EACH
 * ROW on default_policy_audit
 *
 * The extension writes its rows directly (dp_audit), so this sees only rows
 * inserted by SQL: a superuser's INSERT, or the COPY of a restore.  A
 * restore makes the tables before it loads the trail, and enforcement
 * audits the defaults it makes (ddl_default): their ids would collide with
 * the restored ones, and the COPY would fail.  The row already there moves
 * to the end of the trail, so the restored row keeps its id and the trail
 * keeps its order.
 */
PG_FUNCTION_INFO_V1(default_policy_audit_make_room);
Datum
default_policy_audit_make_room(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	bool		isnull;
	int64		id;
	Relation	rel;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		elog(ERROR, "default_policy_audit_make_room: not fired before insert for each row");

	tuple = trigdata->tg_trigtuple;
	id = DatumGetInt64(heap_getattr(tuple, Anum_audit_id,
									RelationGetDescr(trigdata->tg_relation),
									&isnull));
	if (isnull)
		return PointerGetDatum(tuple);

	rel = open_audit();
	if (id_taken(rel, id))
	{
		Oid			argtypes[2] = {INT8OID, INT8OID};
		Datum		values[2];

		values[0] = Int64GetDatum(Max(highest_id(rel), id) + 1);
		values[1] = Int64GetDatum(id);
		SPI_connect();
		dp_spi_as_owner(psprintf("UPDATE %s.%s SET id = $1 WHERE id OPERATOR(pg_catalog.=) $2",
								 dp_extension_schema_quoted(), DP_AUDIT_TABLE),
						2, argtypes, values, NULL);
		SPI_finish();
	}
	table_close(rel, NoLock);
	return PointerGetDatum(tuple);
}

void
dp_json_begin(StringInfo buf)
{
	initStringInfo(buf);
	appendStringInfoChar(buf, '{');
}

static void
json_key(StringInfo buf, const char *key)
{
	if (buf->len > 1)
		appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
}

void
dp_json_add_text(StringInfo buf, const char *key, const char *value)
{
	json_key(buf, key);
	if (value)
		escape_json(buf, value);
	else
		appendStringInfoString(buf, "null");
}

/* value must already be JSON text (for example from to_jsonb()) */
void
dp_json_add_raw(StringInfo buf, const char *key, const char *json)
{
	json_key(buf, key);
	appendStringInfoString(buf, json ? json : "null");
}

char *
dp_json_end(StringInfo buf)
{
	appendStringInfoChar(buf, '}');
	return buf->data;
}
