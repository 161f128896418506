/*-------------------------------------------------------------------------
 *
 * canonical.c
 *	  The settings under which canonical text is written and read back.
 *
 * The extension stores expressions and type names as text (a policy's
 * expression, the audit's column_type) and reads them back later, in other
 * sessions, under other settings.  Text means the same thing to every
 * reader only if it is written and read under one fixed set of settings:
 *
 *	 search_path				  pg_catalog, pg_temp: every other object is
 *								  schema-qualified, and no temporary object
 *								  can capture a name
 *	 standard_conforming_strings  on: a backslash in a literal is a backslash
 *	 array_nulls				  on: NULL in an array literal is a null
 *	 DateStyle, IntervalStyle	  ISO and postgres, as pg_dump writes them
 *	 extra_float_digits			  3 (output only): floats read back exactly
 *
 * Each function opens a GUC nest level and returns it; the caller restores
 * with AtEOXact_GUC(true, nestlevel), or lets a subtransaction's end do it.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/ruleutils.h"

static void
pin(const char *name, const char *value)
{
	set_config_option(name, value, PGC_USERSET, PGC_S_SESSION,
					  GUC_ACTION_SAVE, true, 0, false);
}

/*
 * Read names under the canonical search_path, or leave the caller's.  Pass
 * the result to AtEOXact_GUC() to restore.
 */
int
dp_enter_search_path(bool canonical)
{
	int			nestlevel = NewGUCNestLevel();

	if (canonical)
		pin("search_path", DP_CANONICAL_SEARCH_PATH);
	return nestlevel;
}

/*
 * Settings under which canonical text is parsed and analysed: every one
 * that changes what a literal means.  search_path is pinned too when asked.
 */
int
dp_enter_canonical_input(bool search_path)
{
	int			nestlevel = dp_enter_search_path(search_path);

	pin("standard_conforming_strings", "on");
	pin("array_nulls", "on");
	pin("datestyle", "ISO, YMD");
	pin("intervalstyle", "postgres");
	return nestlevel;
}

/* Settings under which canonical text is written. */
int
dp_enter_canonical_output(void)
{
	int			nestlevel = dp_enter_canonical_input(true);

	pin("extra_float_digits", "3");
	return nestlevel;
}

/*
 * Canonical text of an analysed expression, and of the column type: written
 * under DP_CANONICAL_SEARCH_PATH, so that every object outside pg_catalog is
 * schema-qualified, and with pg_dump's output settings, so that literals
 * read back the same under any DateStyle.
 */
char *
dp_canonical_text(Node *expr, Oid typid, int32 typmod, char **type_name)
{
	int			nestlevel = dp_enter_canonical_output();
	char	   *text;

	text = deparse_expression(expr, NIL, false, false);
	*type_name = format_type_with_typemod(typid, typmod);

	AtEOXact_GUC(true, nestlevel);
	return text;
}
