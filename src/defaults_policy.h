/*-------------------------------------------------------------------------
 *
 * defaults_policy.h
 *	  Declarations shared by the files of the defaults_policy extension.
 *
 * Only what crosses a file boundary lives here: the validation engine's
 * verdict, each concept's init function, the settings, and the one shim
 * for the PostgreSQL versions after 15.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DEFAULTS_POLICY_H
#define DEFAULTS_POLICY_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "nodes/primnodes.h"
#include "storage/lockdefs.h"

/* Version shims.  PostgreSQL 16 folded pg_class_ownercheck() and friends. */
#if PG_VERSION_NUM >= 160000
#include "catalog/pg_class.h"
#include "utils/acl.h"
#define pg_class_ownercheck(relid, roleid) \
	object_ownercheck(RelationRelationId, (relid), (roleid))
#endif

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

	/*
	 * The raw parse tree that was validated (NULL for a stored tree), and
	 * whether it came from canonical text: then it must be analysed again
	 * under dp_enter_canonical_input(false) to mean what was validated.
	 */
	Node	   *raw;
	bool		canonical_input;

	/* the analysed expression; NULL if parse analysis failed */
	Node	   *expr;
	char	   *normalized;		/* canonical text of expr */
	bool		rewrites;		/* would ADD COLUMN rewrite the table? */
	List	   *allowlisted;	/* OIDs of the allowlisted functions used */

	/*
	 * Whether parse analysis itself refused it (an unknown column, a
	 * subquery, a type mismatch): a DDL statement with this default fails
	 * with PostgreSQL's own error.
	 */
	bool		postgres_refuses;

	/* why it is invalid (NULL when valid), as an error would say it */
	int			sqlstate;
	char	   *message;
	char	   *detail;
	char	   *hint;
} DefaultCheck;

/* validation.c */
/* flags for dp_check_default: which texts the extension itself stored */
#define DP_CANONICAL_EXPR	0x01
#define DP_CANONICAL_TYPE	0x02
#define DP_CANONICAL		(DP_CANONICAL_EXPR | DP_CANONICAL_TYPE)
/* ... and whether the default is stored for other sessions (a policy) */
#define DP_STORED_FOR_OTHERS	0x04

/*
 * owner: the role that evaluates what must be evaluated (the target
 * table's owner), or InvalidOid for the current user.
 */
extern void dp_check_default(const char *expression, const char *column_type,
							 int flags, Oid owner, DefaultCheck *result);
extern void dp_check_default_typed(const char *expression, Oid typid,
								   int32 typmod, Oid owner, DefaultCheck *result);
extern void dp_check_raw(Node *raw, const TypeName *type_name, Oid typid,
						 int32 typmod, Oid owner, DefaultCheck *result);
extern void dp_check_stored(Node *expr, Oid typid, int32 typmod, Oid owner,
							DefaultCheck *result);
extern void dp_recheck_safety(const DefaultCheck *check);
extern char *dp_check_reason(const DefaultCheck *check);
extern const char *dp_kind_name(DefaultKind kind);
extern void dp_raise_invalid_column_default(const DefaultCheck *check,
											const char *column,
											const char *relname);
extern void dp_raise_invalid_policy_default(const DefaultCheck *check,
											const char *policy);

/* The stages of validation, one file each, in the order they run. */

/* parse.c */
extern void dp_init_parse(void);
extern void dp_parse_column_type(const char *column_type, Oid *typid,
								 int32 *typmod);
extern Node *dp_parse_expression(const char *expression);
extern List *dp_find_frozen_literals(Node *raw);
extern Node *dp_analyse(Node *raw, const char *source, Oid typid, int32 typmod);
extern void dp_refuse_frozen_literal(Node *expr, List *literals);

/* typesafe.c */
extern void dp_require_safe_type(Oid typid);
extern void dp_require_safe_named_types(Node *raw);
extern void dp_require_safe_node_types(Node *expr);

/* classify.c */
typedef bool (*DpFunctionVisitor) (Oid funcid, void *arg);

extern bool dp_node_is_known(Node *node);
extern bool dp_function_is_builtin_immutable(Oid funcid);
extern bool dp_walk_functions(Node *node, DpFunctionVisitor visit, void *arg,
							  Node **unknown);
extern bool dp_classify(Node *expr, DefaultKind *kind, List **allowlisted);
extern bool dp_rewrites(Node *expr, Oid typid, bool user_function);
extern void dp_refuse_temporary_objects(Node *expr, Oid typid);

/* evaluate.c */
extern void dp_evaluate_static(Node *expr, Oid owner);

/* canonical.c */
typedef struct DpCanonical
{
	int			datestyle;
	int			dateorder;
	int			intervalstyle;
	int			extra_float_digits;
	bool		standard_conforming_strings;
	bool		array_nulls;
	bool		search_path;	/* an override search path was pushed */
} DpCanonical;

extern void dp_canonical_begin(DpCanonical *saved, bool search_path,
							   bool output);
extern void dp_canonical_end(DpCanonical *saved);
extern int	dp_enter_search_path(bool canonical);
extern int	dp_enter_canonical_input(bool search_path);
extern char *dp_canonical_text(Node *expr, Oid typid, int32 typmod,
							   char **type_name);

/* catalog.c */
typedef struct DpOwnerSwitch
{
	Oid			caller;			/* the current user before the switch */
	Oid			saved_userid;
	int			saved_sec_context;
	int			gucnest;
} DpOwnerSwitch;

extern Oid	dp_extension_schema(void);
extern const char *dp_extension_schema_quoted(void);
extern void dp_begin_as_owner(DpOwnerSwitch *sw);
extern void dp_end_as_owner(DpOwnerSwitch *sw);
extern uint64 dp_spi_as_owner(const char *sql, int nargs, const Oid *argtypes,
							  Datum *values, const char *nulls);
extern Oid	dp_extension_relid(const char *relname);
extern bool dp_extension_ready(void);
extern char *dp_function_signature(Oid funcid);
extern Oid	dp_signature_function(const char *signature);
extern bool dp_function_is_allowlisted(Oid funcid);
extern void dp_init_catalog(void);

/* allowlist.c */
extern void dp_lock_allowlisted(const DefaultCheck *check);

/* policy.c */
extern void dp_init_policy(void);
extern void dp_policy_check(const char *name, Oid owner, DefaultCheck *check,
							bool *keep_default);

/* audit.c */
typedef struct DpAuditEvent
{
	const char *action;
	const char *table_name;		/* NULL for catalog actions */
	const char *column_name;
	const char *column_type;
	const char *expression;
	const char *kind;
	const char *policy_name;
	int			kept_default;	/* -1 for NULL, else 0 or 1 */
	int			rewrote;		/* -1 for NULL, else 0 or 1 */
	const char *detail;			/* JSON text, or NULL */
} DpAuditEvent;

extern Datum dp_audit(const DpAuditEvent *event);
extern void dp_init_audit(void);
extern void dp_audit_relations(Oid *relid, Oid *seqid);
extern void dp_json_begin(StringInfo buf);
extern void dp_json_add_text(StringInfo buf, const char *key, const char *value);
extern void dp_json_add_raw(StringInfo buf, const char *key, const char *json);
extern char *dp_json_end(StringInfo buf);

/* lock.c */
typedef struct DpLockTarget DpLockTarget;
typedef void (*DpLockedWork) (DpLockTarget *target, void *arg);

struct DpLockTarget
{
	/* what to lock */
	Oid			relid;
	const char *relname;		/* for messages */
	LOCKMODE	mode;			/* AccessShareLock or AccessExclusiveLock */
	bool		descendants;	/* also every partition and child */
	bool		audit;			/* also the audit table, for an audit row */

	/*
	 * What to run under the locks, or NULL.  remote: the work takes locks on
	 * other nodes (DDL on a Citus table's shards), so it runs inside each
	 * attempt, with those waits bounded too (citus.c).
	 */
	DpLockedWork work;
	void	   *work_arg;
	bool		remote;

	/* set by dp_lock_table() */
	List	   *relids;			/* relid, then its descendants, as locked */
	int			attempts;
};

extern void dp_lock_table(DpLockTarget *target);
extern List *dp_table_and_descendants(Oid relid);

/* citus.c */
typedef enum DpCitusType
{
	DP_CITUS_NONE,
	DP_CITUS_DISTRIBUTED,
	DP_CITUS_REFERENCE,
	DP_CITUS_LOCAL
} DpCitusType;

/* A Citus table and its partitions, as Citus's metadata has them. */
typedef struct DpCitusTable
{
	DpCitusType type;
	int64		shards;
	int64		placements;		/* copies of the shards, on every node */
	int64		storage_placements; /* of those, the copies with storage */
	int64		nodes;			/* nodes (groups) that hold a copy */
	bool		replicated;		/* a shard has more than one copy */
} DpCitusTable;

extern void dp_citus_require_coordinator(const char *function);
extern bool dp_citus_table(Oid relid, List *relids, DpCitusTable *table);
extern const char *dp_citus_type_name(DpCitusType type);
extern void dp_citus_json(StringInfo detail, const DpCitusTable *table,
						  int64 placements_rewritten);
extern void dp_citus_refuse_default(const DpCitusTable *table,
									const DefaultCheck *check,
									const char *column, const char *relname);
extern char *dp_citus_refusal_note(const DpCitusTable *table,
								   const DefaultCheck *check);
extern bool dp_citus_evaluates_once(const DefaultCheck *check);
extern void dp_citus_bound_remote_waits(long timeout_ms);
extern void dp_citus_end_remote_waits(void);
extern bool dp_citus_worker_replay(void);
extern bool dp_citus_replay(Node *parsetree);
extern bool dp_citus_rows(List *relids, double *rows);
extern int64 dp_citus_size(List *relids);

/* add_column.c: the table a column function works on, checked and (once locked) stable. */
typedef struct TargetTable
{
	Oid			relid;
	char	   *relname;
	char	   *nspname;
	char	   *qualified;		/* schema-qualified, quoted as needed */
	char		relkind;
	Oid			owner;
	List	   *relids;			/* relid and every descendant, once locked */
	int			lock_attempts;
	DpCitusTable citus;			/* type DP_CITUS_NONE: not a Citus table */
} TargetTable;

/* What dp_open_target() accepts besides a plain or partitioned table. */
#define TARGET_PARTITION_OK	0x01

extern void dp_open_target(Oid relid, int flags, TargetTable *target);
extern void dp_lock_target(TargetTable *target, LOCKMODE mode, int flags);
extern void dp_refuse_system_column(const char *column);
extern bool dp_column_is_no_op(TargetTable *target, const char *column,
							   const DefaultCheck *check, bool if_not_exists);
extern Node *dp_default_raw_tree(const DefaultCheck *check);
extern void dp_run_alter(TargetTable *target, AlterTableCmd *cmd,
						 const char *statement, const DefaultCheck *check);
extern void dp_run_utility(Node *stmt, const char *text);
extern bool dp_existing_column(Oid relid, const char *column, Oid *typid,
							   int32 *typmod, bool *notnull);
extern void dp_check_stored_default(TargetTable *target, const char *column,
									const DefaultCheck *check);
extern void dp_alter_column_default(TargetTable *target, const char *column,
									const DefaultCheck *check);
extern Datum dp_add_column(TargetTable *target, const char *column,
						   DefaultCheck *check, bool keep_default,
						   bool if_not_exists, const char *policy_name);
extern const char *dp_required_text_arg(FunctionCallInfo fcinfo, int argno,
										const char *what);
extern const char *dp_column_name_arg(FunctionCallInfo fcinfo, int argno);
extern Oid	dp_table_arg(FunctionCallInfo fcinfo);

/* subxact.c */
extern ErrorData *dp_try_in_subtransaction(void (*work) (void *arg), void *arg,
										   bool keep);

/* defaults_policy.c */
extern void dp_require_arg(FunctionCallInfo fcinfo, int argno, const char *what);

/* settings.c */
typedef enum DpEnforce
{
	DP_ENFORCE_OFF,
	DP_ENFORCE_WARN,
	DP_ENFORCE_ERROR
} DpEnforce;

extern bool dp_log_audit;
extern int	dp_lock_timeout;
extern int	dp_lock_retries;
extern int	dp_enforce;
extern int	dp_max_replica_lag;
extern int	dp_batch_target;
extern int64 dp_max_rewrite_size;
extern const char *dp_enforce_name(void);
extern char *dp_size_text(int64 bytes);
extern void dp_init_settings(void);

/* enforce.c */
extern void dp_init_enforce(void);
extern void dp_enforce_own_begin(Node *stmt, Node **saved);
extern void dp_enforce_own_end(Node *saved);
extern void dp_refuse_rewrite(Oid relid, bool own);
extern void dp_refuse_rewrite_size(const char *relname, int64 size, bool own);

#endif							/* DEFAULTS_POLICY_H */
