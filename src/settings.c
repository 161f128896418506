/*-------------------------------------------------------------------------
 *
 * settings.c
 *	  The extension's configuration parameters (defaults_policy.*).
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "utils/guc.h"

void
dp_init_settings(void)
{
	MarkGUCPrefixReserved("defaults_policy");
}
