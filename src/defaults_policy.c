/*-------------------------------------------------------------------------
 *
 * defaults_policy.c
 *	  Module entry point of the defaults_policy extension.
 *
 * _PG_init only calls each concept's init function; the concepts live in
 * files named for them (validation.c, catalog.c, settings.c, ...).  Also
 * here: the one argument check every SQL-callable entry point shares.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	dp_init_settings();
	dp_init_catalog();
	dp_init_audit();
	dp_init_policy();
	dp_init_parse();
	dp_init_enforce();
}

/* Raise the error for a NULL argument that must be given. */
void
dp_require_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
}
