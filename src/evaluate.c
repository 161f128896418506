/*-------------------------------------------------------------------------
 *
 * evaluate.c
 *	  Evaluation: a static default is computed once, at validation time.
 *
 * Computing it applies what only evaluation proves: typmods (a value too
 * long for varchar(3)), domain CHECKs and NOT NULL, and that the value is
 * not NULL.  By the time this runs, the expression holds nothing but
 * constants and built-in immutable functions (classify.c) and every type
 * in it is safe (typesafe.c), so only PostgreSQL's own immutable code
 * runs.  It still runs the way PostgreSQL runs code on behalf of a table
 * (VACUUM, ANALYZE, index builds): as the table's owner where there is
 * one, under SECURITY_RESTRICTED_OPERATION.  The validation subtransaction
 * around it is always rolled back, which also restores the user ID.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "executor/executor.h"
#include "miscadmin.h"

/*
 * Evaluate a static default as owner (InvalidOid: the current user) under
 * SECURITY_RESTRICTED_OPERATION.  Raises if it fails or gives NULL.
 */
void
dp_evaluate_static(Node *expr, Oid owner)
{
	Oid			save_userid;
	int			save_sec_context;
	EState	   *estate;
	ExprState  *exprstate;
	bool		isnull;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(OidIsValid(owner) ? owner : save_userid,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);

	estate = CreateExecutorState();
	exprstate = ExecPrepareExpr((Expr *) copyObject(expr), estate);
	(void) ExecEvalExpr(exprstate, GetPerTupleExprContext(estate), &isnull);
	FreeExecutorState(estate);

	SetUserIdAndSecContext(save_userid, save_sec_context);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("default expression evaluates to null"),
				 errdetail("A default for a NOT NULL column must give a value.")));
}
