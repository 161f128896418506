/*-------------------------------------------------------------------------
 *
 * defaults_policy.c
 *	  Module entry point of the defaults_policy extension.
 *
 * _PG_init only calls each concept's init function; the concepts live in
 * files named for them (validation.c, catalog.c, settings.c, ...).
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
}
