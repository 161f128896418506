/*-------------------------------------------------------------------------
 *
 * defaults_policy.h
 *	  Declarations shared by the files of the defaults_policy extension.
 *
 * Only what crosses a file boundary lives here: the validation engine's
 * result, each concept's init function, and the settings.  Version shims
 * are in compat.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DEFAULTS_POLICY_H
#define DEFAULTS_POLICY_H

#include "postgres.h"

#include "fmgr.h"
#include "nodes/pg_list.h"
#include "nodes/primnodes.h"

/*
 * The search_path under which canonical text (expressions and type names
 * stored by the extension) is written and read back.  pg_temp comes last so
 * that a temporary object cannot capture a name.
 */
#define DP_CANONICAL_SEARCH_PATH	"pg_catalog, pg_temp"

/* What kind of default an expression is; see ../README.md. */
typedef enum DefaultKind
{
	DEFAULT_KIND_INVALID,
	DEFAULT_KIND_STATIC,
	DEFAULT_KIND_DYNAMIC
} DefaultKind;

/*
 * The verdict of the validation engine on one (expression, column type)
 * pair.  Everything is allocated in the memory context that was current when
 * dp_check_default() was called.
 */
typedef struct DefaultCheck
{
	bool		valid;
	DefaultKind kind;

	/* the column type; typid is InvalidOid if it could not be resolved */
	Oid			typid;
	int32		typmod;
	char	   *type_name;		/* canonical, typmod included */

	/* the analysed expression; NULL if parse analysis failed */
	Node	   *expr;
	char	   *normalized;		/* canonical text of expr */
	bool		rewrites;		/* would ADD COLUMN rewrite the table? */

	/* why it is invalid (NULL when valid), as an error would say it */
	int			sqlstate;
	char	   *message;
	char	   *detail;
	char	   *hint;
} DefaultCheck;

/* validation.c */
extern void dp_check_default(const char *expression, const char *column_type,
							 DefaultCheck *result);
extern char *dp_check_reason(const DefaultCheck *check);
extern const char *dp_kind_name(DefaultKind kind);
extern void dp_raise_invalid_default(const DefaultCheck *check,
									 const char *what);

/* catalog.c */
extern Oid	dp_extension_schema(void);
extern Oid	dp_extension_relid(const char *relname);
extern bool dp_function_is_allowlisted(Oid funcid);

/* settings.c */
extern void dp_init_settings(void);

#endif							/* DEFAULTS_POLICY_H */
