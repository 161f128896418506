/*-------------------------------------------------------------------------
 *
 * audit.c
 *	  The audit trail: one row in default_policy_audit per change.
 *
 * A row is written in the transaction of the change, as the extension's
 * owner (callers need no privilege on the table), so it commits or rolls
 * back with the change.  With defaults_policy.log_audit the same event also
 * goes to the server log at once, as one line of JSON, so that an attempt
 * whose transaction rolls back still leaves a trace:
 *
 *	 LOG:  defaults_policy audit: {"id": 7, "action": "create_policy", ...}
 *
 * The row is built by one parameterised INSERT ... RETURNING, and the JSON
 * for the log by to_jsonb() of that same row, so the two never disagree.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"

/*
 * Write one audit row and return it as a composite Datum of type
 * default_policy_audit, allocated in the caller's memory context.
 */
Datum
dp_audit(const DpAuditEvent *event)
{
	static const Oid argtypes[] = {
		NAMEOID, NAMEOID, TEXTOID, TEXTOID, NAMEOID, TEXTOID, TEXTOID,
		TEXTOID, TEXTOID, BOOLOID, BOOLOID, TEXTOID
	};
	Datum		values[lengthof(argtypes)];
	char		nulls[lengthof(argtypes)];
	const char *texts[] = {
		event->action, event->table_name, event->column_name,
		event->column_type, event->expression, event->kind,
		event->policy_name
	};
	const char *schema = dp_extension_schema_quoted();
	char	   *sql;
	Datum		row;
	bool		isnull;
	size_t		i;

	memset(nulls, ' ', sizeof(nulls));

	/* who: recorded before the switch to the owner */
	values[0] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetSessionUserId(), false)));
	values[1] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	for (i = 0; i < lengthof(texts); i++)
	{
		if (texts[i] == NULL)
			nulls[2 + i] = 'n';
		else if (i == 2)		/* column_name is a name */
			values[2 + i] = DirectFunctionCall1(namein, CStringGetDatum(texts[i]));
		else
			values[2 + i] = CStringGetTextDatum(texts[i]);
	}
	values[9] = BoolGetDatum(event->kept_default > 0);
	nulls[9] = event->kept_default < 0 ? 'n' : ' ';
	values[10] = BoolGetDatum(event->rewrote > 0);
	nulls[10] = event->rewrote < 0 ? 'n' : ' ';
	if (event->detail)
		values[11] = CStringGetTextDatum(event->detail);
	else
		nulls[11] = 'n';

	sql = psprintf("INSERT INTO %s.default_policy_audit AS a"
				   " (at, txid, session_user_name, current_user_name, action,"
				   "  table_name, column_name, column_type, expression, kind,"
				   "  policy_name, kept_default, rewrote, detail)"
				   " VALUES (pg_catalog.clock_timestamp(), pg_catalog.pg_current_xact_id(),"
				   "  $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::pg_catalog.jsonb)"
				   " RETURNING a, pg_catalog.to_jsonb(a)::pg_catalog.text",
				   schema);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * pg_write_all_data lets a non-superuser setval() any sequence.  If the
	 * id sequence would next give an id the trail already holds (set back
	 * below it, or to its last id with is_called false) or was set to its
	 * end, set it after the last row again, so that tampering cannot stop
	 * the trail.
	 */
	{
		Oid			seqtype[] = {TEXTOID};
		Datum		seqname[] = {CStringGetTextDatum(psprintf("%s.default_policy_audit_id_seq",
															  schema))};

		(void) dp_spi_as_owner(psprintf("SELECT pg_catalog.setval($1::pg_catalog.regclass,"
										" GREATEST(m.id, 1), m.id OPERATOR(pg_catalog.>) 0)"
										" FROM (SELECT COALESCE(pg_catalog.max(id), 0) AS id"
										"       FROM %1$s.default_policy_audit) AS m,"
										" %1$s.default_policy_audit_id_seq AS s"
										" WHERE s.last_value OPERATOR(pg_catalog.<) m.id"
										" OR (s.last_value OPERATOR(pg_catalog.=) m.id AND NOT s.is_called)"
										" OR s.last_value OPERATOR(pg_catalog.=) 9223372036854775807",
										schema),
							   1, seqtype, seqname, NULL);
	}

	if (dp_spi_as_owner(sql, lengthof(argtypes), argtypes, values, nulls) != 1 ||
		SPI_tuptable == NULL)
		elog(ERROR, "could not write audit row");

	if (dp_log_audit)
		ereport(LOG_SERVER_ONLY,
				(errmsg("defaults_policy audit: %s",
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)),
				 errhidestmt(true),
				 errhidecontext(true)));

	row = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	row = SPI_datumTransfer(row, false, -1);
	SPI_finish();
	return row;
}

/*
 * A minimal JSON object writer for the detail column: keys are ours, values
 * are escaped.  Call dp_json_begin(), then the add functions, then
 * dp_json_end() for the text.
 */
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
