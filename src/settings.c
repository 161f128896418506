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

#include "utils/guc.h"

bool		dp_log_audit = true;

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

	MarkGUCPrefixReserved("defaults_policy");
}
