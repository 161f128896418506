/*-------------------------------------------------------------------------
 *
 * subxact.c
 *	  Running a piece of work in a subtransaction and catching its error.
 *
 * Used where an error is an answer rather than a failure: validation turns
 * errors into verdicts, and a lock attempt that times out is retried.  The
 * pattern is PL/pgSQL's exception block: the subtransaction is rolled back
 * before the caller sees the error, so that an error the caller re-throws
 * never leaves a subtransaction of ours open for an outer handler to
 * mistake for its own.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "access/xact.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

/*
 * Run work(arg) in a subtransaction.  Returns NULL if it succeeded, its
 * effects (and locks) now the caller's; otherwise the error, copied into
 * the caller's memory context, with everything the work did rolled back.
 */
ErrorData *
dp_try_in_subtransaction(void (*work) (void *arg), void *arg)
{
	MemoryContext callercxt = CurrentMemoryContext;
	ResourceOwner callerowner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(callercxt);
	PG_TRY();
	{
		work(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(callercxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(callercxt);
	CurrentResourceOwner = callerowner;
	return edata;
}
