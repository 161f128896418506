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

#include <limits.h>

#include "utils/guc.h"

bool		dp_log_audit = true;
int			dp_lock_timeout = 2000;
int			dp_lock_retries = 5;

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

	MarkGUCPrefixReserved("defaults_policy");
}
