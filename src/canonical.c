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
 * Two ways to pin them.  dp_enter_canonical_input() (and, for the search
 * path alone, dp_enter_search_path()) sets the GUCs themselves, at a GUC
 * nest level the caller restores with
 * AtEOXact_GUC(): what runs meanwhile (an event trigger, SHOW) sees the
 * pinned values.  The validation engine, which writes and reads canonical
 * text on every call, uses dp_canonical_begin() and dp_canonical_end()
 * instead: they set the variables the parser, the scanner and the output
 * functions read, and push the search path as an override, which costs a
 * small fraction of a GUC nest level; only PostgreSQL's own code runs in
 * between, and dp_canonical_end() must run however the work ends
 * (PG_FINALLY).
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
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

/*
 * Pin the canonical settings by their variables (see the file header):
 * those that change what a literal means, the search path when asked, and
 * extra_float_digits too when output.  Restore with dp_canonical_end().
 */
void
dp_canonical_begin(DpCanonical *saved, bool search_path, bool output)
{
	saved->datestyle = DateStyle;
	saved->dateorder = DateOrder;
	saved->intervalstyle = IntervalStyle;
	saved->extra_float_digits = extra_float_digits;
	saved->standard_conforming_strings = standard_conforming_strings;
	saved->array_nulls = Array_nulls;
	saved->search_path = search_path;

	DateStyle = USE_ISO_DATES;
	DateOrder = DATEORDER_YMD;
	IntervalStyle = INTSTYLE_POSTGRES;
	if (output)
		extra_float_digits = 3;
	standard_conforming_strings = true;
	Array_nulls = true;
	if (search_path)
	{
		/* pg_catalog, then this session's temporary schema, if it has one */
		OverrideSearchPath path = {0};
		Oid			temp;
		Oid			temptoast;

		path.schemas = list_make1_oid(PG_CATALOG_NAMESPACE);
		GetTempNamespaceState(&temp, &temptoast);
		if (OidIsValid(temp))
			path.schemas = lappend_oid(path.schemas, temp);
		PushOverrideSearchPath(&path);
	}
}

void
dp_canonical_end(DpCanonical *saved)
{
	DateStyle = saved->datestyle;
	DateOrder = saved->dateorder;
	IntervalStyle = saved->intervalstyle;
	extra_float_digits = saved->extra_float_digits;
	standard_conforming_strings = saved->standard_conforming_strings;
	Array_nulls = saved->array_nulls;
	if (saved->search_path)
		PopOverrideSearchPath();
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
	DpCanonical saved;
	char	   *volatile text = NULL;

	dp_canonical_begin(&saved, true, true);
	PG_TRY();
	{
		text = deparse_expression(expr, NIL, false, false);
		*type_name = format_type_with_typemod(typid, typmod);
	}
	PG_FINALLY();
	{
		dp_canonical_end(&saved);
	}
	PG_END_TRY();
	return text;
}
