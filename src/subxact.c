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
 * Run work(arg) in a subtransaction.  Returns NULL if it succeeded, else the
 * error, copied into the caller's memory context.  On an error everything
 * the work did is rolled back.  On success it is kept (its locks, its
 * writes) only if keep is true: a check that must leave no trace passes
 * false, and only what it wrote into the caller's memory context survives.
 */
ErrorData *
dp_try_in_subtransaction(void (*work) (void *arg), void *arg, bool keep)
{
	MemoryContext callercxt = CurrentMemoryContext;
	ResourceOwner callerowner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(callercxt);
	PG_TRY();
	{
		work(arg);
		if (keep)
			ReleaseCurrentSubTransaction();
		else
			RollbackAndReleaseCurrentSubTransaction();
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
