/*-------------------------------------------------------------------------
 *
 * settings.c
 *	  The extension's configuration parameters (defaults_policy.*).
 *
 * Settings are defined when the library is loaded, which CREATE EXTENSION
 * and the first call of any function do; a value set in postgresql.conf
 * before that is kept as a placeholder and taken over then.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>

#include "utils/builtins.h"
#include "utils/guc.h"

bool		dp_log_audit = true;
int			dp_lock_timeout = 2000;
int			dp_lock_retries = 5;
int			dp_enforce = DP_ENFORCE_WARN;
int			dp_max_replica_lag = 10000;
int			dp_batch_target = 200;
int64		dp_max_rewrite_size = -1;

static char *max_rewrite_size_text = NULL;

static const struct config_enum_entry enforce_options[] = {
	{"off", DP_ENFORCE_OFF, false},
	{"warn", DP_ENFORCE_WARN, false},
	{"error", DP_ENFORCE_ERROR, false},
	{NULL, 0, false}
};

/* The name of the current enforce setting, for messages and the audit. */
const char *
dp_enforce_name(void)
{
	return enforce_options[dp_enforce].name;
}

/* A size in bytes as PostgreSQL prints sizes (pg_size_pretty). */
char *
dp_size_text(int64 bytes)
{
	return text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
															  Int64GetDatum(bytes))));
}

/*
 * max_rewrite_size is a byte count, with PostgreSQL's size units (as
 * pg_size_bytes() reads them: bytes, kB, MB, GB, TB, PB, any case), or -1.
 * An integer setting would stop at 2GB, so it is text, checked here.
 */
static bool
check_max_rewrite_size(char **newval, void **extra, GucSource source)
{
	static const struct
	{
		const char *unit;
		double		multiplier;
	}			units[] = {
		{"", 1.0}, {"b", 1.0}, {"bytes", 1.0}, {"kb", 1024.0},
		{"mb", 1024.0 * 1024}, {"gb", 1024.0 * 1024 * 1024},
		{"tb", 1024.0 * 1024 * 1024 * 1024},
		{"pb", 1024.0 * 1024 * 1024 * 1024 * 1024}
	};
	const char *p = *newval;
	char	   *end;
	double		number;
	int64	   *result;

	while (isspace((unsigned char) *p))
		p++;
	if (strcmp(p, "-1") == 0)
		number = -1;
	else
	{
		size_t		len;
		int			i;

		if (!isdigit((unsigned char) *p))
		{
			GUC_check_errdetail("A size is a number of bytes, with an optional unit (kB, MB, GB, TB, PB), or -1 for no limit.");
			return false;
		}
		number = strtod(p, &end);
		p = end;
		while (isspace((unsigned char) *p))
			p++;
		len = strlen(p);
		while (len > 0 && isspace((unsigned char) p[len - 1]))
			len--;
		for (i = 0; i < (int) lengthof(units); i++)
			if (strlen(units[i].unit) == len &&
				pg_strncasecmp(p, units[i].unit, len) == 0)
				break;
		if (i == (int) lengthof(units))
		{
			GUC_check_errdetail("Valid units for this parameter are \"bytes\", \"kB\", \"MB\", \"GB\", \"TB\" and \"PB\".");
			return false;
		}
		number = floor(number * units[i].multiplier);
		if (!(number < (double) PG_INT64_MAX))
		{
			GUC_check_errdetail("The size is too large.");
			return false;
		}
	}

	/* GUC frees extra with free() */
	result = (int64 *) malloc(sizeof(int64));
	if (result == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		GUC_check_errmsg("out of memory");
		return false;
	}
	*result = (int64) number;
	*extra = result;
	return true;
}

static void
assign_max_rewrite_size(const char *newval, void *extra)
{
	dp_max_rewrite_size = *(int64 *) extra;
}

void
dp_init_settings(void)
{
	DefineCustomBoolVariable("defaults_policy.log_audit",
							 "Also writes every audit event to the server log.",
							 "Each event is one line of JSON, written when the event happens, "
							 "so that a change whose transaction rolls back still leaves a trace.",
							 &dp_log_audit,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("defaults_policy.lock_timeout",
							"How long one attempt waits for a table lock.",
							"The column functions wait at most this long for their ACCESS EXCLUSIVE lock, "
							"then leave the lock queue and retry, so that they never block other "
							"sessions for long.",
							&dp_lock_timeout,
							2000, 1, INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("defaults_policy.lock_retries",
							"How many times a timed-out table lock is tried again.",
							"Retries wait with exponential backoff and jitter between attempts.",
							&dp_lock_retries,
							5, 0, 1000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomEnumVariable("defaults_policy.enforce",
							 "Applies the rules for defaults to plain DDL.",
							 "warn: a default that breaks them draws a WARNING; error: the statement is "
							 "refused; off: nothing is checked.  Under warn and error every default made "
							 "by plain DDL is audited.",
							 &dp_enforce,
							 DP_ENFORCE_WARN,
							 enforce_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("defaults_policy.max_rewrite_size",
							   "The largest table an ALTER TABLE may rewrite, -1 for no limit.",
							   "A rewrite holds an ACCESS EXCLUSIVE lock for as long as it takes; "
							   "a larger table is refused.",
							   &max_rewrite_size_text,
							   "-1",
							   PGC_SUSET,
							   0,
							   check_max_rewrite_size, assign_max_rewrite_size, NULL);

	DefineCustomIntVariable("defaults_policy.max_replica_lag",
							"The replay lag of a streaming replica at which the online backfill pauses.",
							"Between batches, add_column_with_default_concurrently() waits while a "
							"streaming replica's replay lag is above this.",
							&dp_max_replica_lag,
							10000, 0, INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("defaults_policy.batch_target",
							"How long each batch of the online backfill should take.",
							"add_column_with_default_concurrently() sizes its batches to take about "
							"this long, so that rows stay locked briefly.",
							&dp_batch_target,
							200, 1, INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("defaults_policy");
}
