/*-------------------------------------------------------------------------
 *
 * lock.c
 *	  Bounded lock waits: locking a table, its partitions or children and
 *	  the audit trail without ever queueing for long.
 *
 * ALTER TABLE needs ACCESS EXCLUSIVE, and a request waiting in the lock
 * queue blocks every later request on the table, even a reader's that the
 * current holder does not conflict with.  So the column functions take
 * every lock they will need first, in attempts: each attempt runs in a
 * subtransaction and is bounded as a whole by defaults_policy.lock_timeout
 * (not each lock: an attempt that waited for the parent has only what is
 * left for the partitions).  An attempt that times out, or that the
 * deadlock detector picks as its victim, is rolled back with whatever it
 * locked, and retried up to defaults_policy.lock_retries times with
 * exponential backoff and jitter.  Between attempts nothing of ours is
 * queued.  What runs afterwards (ALTER TABLE, the audit INSERT) finds its
 * locks already held and does not wait again.  A cancel ends the backoff
 * at once; so does a client that closes its connection, which ends the
 * session: a migration whose client was killed must not retry on and
 * commit once the lock is free.
 *
 * One attempt locks, in this order:
 *
 *	 1. the audit table and its id sequence (ROW EXCLUSIVE), when the caller
 *		will write an audit row: a session holding SHARE on the audit table
 *		must not keep the caller waiting without bound in the INSERT, with
 *		the user's table locked all the while.  Taken first, so that no lock
 *		on the user's table is held while waiting for them.
 *	 2. the table, in the requested mode.
 *	 3. its descendants, when asked: listed, locked, and listed again until
 *		the set no longer grows.  A partition created or attached while we
 *		waited for an intermediate partitioned table is then locked in the
 *		same attempt, under the same deadline, and counted by the caller;
 *		once every member is locked nobody can add another (creating or
 *		attaching a partition or child locks its parent).
 *
 * Most of the time nobody holds a conflicting lock.  So before the first
 * attempt, the same locks are asked for once without waiting, in the
 * caller's transaction: if each is granted at once, that is the whole
 * protocol, with no subtransaction; if one is not, those just taken are
 * released and the attempts begin.  The caller's work (the ALTER TABLEs)
 * then runs under the locks, in the caller's transaction.
 *
 * A Citus table is different: the locks that matter are on its shard
 * placements, on other nodes, and only the ALTER TABLE itself takes them,
 * when Citus replays it there.  So for a Citus table (remote) there is no
 * shortcut: every attempt, in its subtransaction, takes the local locks as
 * above and then runs the work, with every lock wait on the other nodes
 * bounded by what is left of the attempt (citus.c sends the lock_timeout
 * to the workers).  A wait that times out on a worker fails the attempt
 * like a local one: Citus rolls the workers back to the attempt's
 * savepoint, which releases what the attempt locked there, and the next
 * attempt starts from nothing held on any node.
 *
 *-------------------------------------------------------------------------
 */
#include "defaults_policy.h"

#include "catalog/dependency.h"
#include "catalog/pg_inherits.h"
#include "common/pg_prng.h"
#include "libpq/libpq.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

/* The state of one attempt, for dp_try_in_subtransaction(). */
typedef struct LockAttempt
{
	DpLockTarget *target;
	TimestampTz start;
	Oid			waiting_for;	/* the relation being locked */
	bool		remote;			/* in the work, waiting on other nodes */
} LockAttempt;

/* Whether this backend serves a client over a socket. */
static bool
has_client(void)
{
	return MyProcPort != NULL && whereToSendOutput == DestRemote;
}

/*
 * The client went away: end the session as PostgreSQL does when it finds
 * that out (client_connection_check_interval), rather than go on retrying
 * and commit a change nobody waits for any more once the lock is free.
 */
static void
client_lost(void)
{
	whereToSendOutput = DestNone;
	ereport(FATAL,
			(errcode(ERRCODE_CONNECTION_FAILURE),
			 errmsg("connection to client lost")));
}

/*
 * Sleep for ms milliseconds; a cancel, a dying postmaster or a client that
 * closes its connection wakes us.
 */
static void
sleep_ms(long ms)
{
	int			events = WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH;
	pgsocket	sock = PGINVALID_SOCKET;
	int			rc;

	if (has_client())
	{
		events |= WL_SOCKET_CLOSED;
		sock = MyProcPort->sock;
	}
	rc = WaitLatchOrSocket(MyLatch, events, sock, ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
	if (rc & WL_SOCKET_CLOSED)
		client_lost();
}

/*
 * What is left of the attempt, in milliseconds, set as this backend's
 * lock_timeout at the attempt's GUC nest level; raises the lock timeout
 * error if nothing is left.
 */
static long
bound_wait(LockAttempt *attempt)
{
	long		left;
	char		timeout[32];

	left = dp_lock_timeout -
		TimestampDifferenceMilliseconds(attempt->start, GetCurrentTimestamp());
	if (left <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("canceling statement due to lock timeout")));
	snprintf(timeout, sizeof(timeout), "%ld", left);
	set_config_option("lock_timeout", timeout, PGC_USERSET,
					  PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return left;
}

/*
 * Lock one relation.  Without an attempt, only if the lock is free at once
 * (returns false if not).  With one, waiting no longer than what is left of
 * the attempt: the whole attempt, audit table, table and descendants, is
 * bounded by defaults_policy.lock_timeout, not each lock.  The attempt has
 * opened a GUC nest level for lock_timeout.
 */
static bool
lock_one(LockAttempt *attempt, Oid relid, LOCKMODE mode)
{
	if (ConditionalLockRelationOid(relid, mode))
		return true;
	if (attempt == NULL)
		return false;
	attempt->waiting_for = relid;
	(void) bound_wait(attempt);
	LockRelationOid(relid, mode);
	return true;
}

/*
 * The relations an attempt locks before the table: the audit table and its
 * id sequence, when an audit row will be written.
 */
static List *
audit_relations(DpLockTarget *target)
{
	Oid			relid;
	Oid			seqid;

	if (!target->audit)
		return NIL;
	dp_audit_relations(&relid, &seqid);
	return list_make2_oid(relid, seqid);
}

/*
 * A table and its partitions or children as they are now, itself first,
 * nothing locked; cheap when it has none.
 */
List *
dp_table_and_descendants(Oid relid)
{
	if (!has_subclass(relid))
		return list_make1_oid(relid);
	return find_all_inheritors(relid, NoLock, NULL);
}

/* The relations an attempt locks in target->mode. */
static List *
members(DpLockTarget *target)
{
	if (!target->descendants)
		return list_make1_oid(target->relid);
	return dp_table_and_descendants(target->relid);
}

/*
 * Take every lock of an attempt, in the order of the file header.  Without
 * an attempt nothing waits: at the first lock that is not free, returns
 * false.  *taken and *modes list what was locked, for the caller to release.
 */
static bool
take_locks(DpLockTarget *target, LockAttempt *attempt, List **taken,
		   List **modes)
{
	List	   *locked = NIL;
	ListCell   *lc;

	/* the audit table, and its id sequence, which nextval() locks */
	foreach(lc, audit_relations(target))
	{
		if (!lock_one(attempt, lfirst_oid(lc), RowExclusiveLock))
			return false;
		*taken = lappend_oid(*taken, lfirst_oid(lc));
		*modes = lappend_int(*modes, RowExclusiveLock);
	}

	/* the table, then its descendants until the set no longer grows */
	for (;;)
	{
		List	   *now = members(target);
		bool		grew = false;

		foreach(lc, now)
		{
			Oid			relid = lfirst_oid(lc);

			if (list_member_oid(locked, relid))
				continue;
			if (!lock_one(attempt, relid, target->mode))
				return false;
			locked = lappend_oid(locked, relid);
			*taken = lappend_oid(*taken, relid);
			*modes = lappend_int(*modes, target->mode);
			grew = true;
		}
		target->relids = now;
		if (!grew || !target->descendants)
			return true;
	}
}

/*
 * Take every lock of an attempt without waiting.  Returns true with all of
 * them held; else releases those it took and returns false.
 */
static bool
lock_without_waiting(DpLockTarget *target)
{
	List	   *taken = NIL;
	List	   *modes = NIL;
	ListCell   *lc1;
	ListCell   *lc2;

	if (take_locks(target, NULL, &taken, &modes))
		return true;
	forboth(lc1, taken, lc2, modes)
		UnlockRelationOid(lfirst_oid(lc1), (LOCKMODE) lfirst_int(lc2));
	return false;
}

/*
 * The work of a remote target, inside the attempt and under its local
 * locks: every lock wait, here (a Citus table's placement on this node,
 * Citus's own metadata locks) and on the other nodes, is bounded by what is
 * left of the attempt.  The settings the work itself makes for the rest of
 * the transaction (Citus sets some) are kept.
 */
static void
remote_work(LockAttempt *attempt)
{
	DpLockTarget *target = attempt->target;
	long		left;

	attempt->remote = true;
	left = bound_wait(attempt);
	dp_citus_bound_remote_waits(left);
	target->work(target, target->work_arg);
	dp_citus_end_remote_waits();
	attempt->remote = false;
}

/*
 * One attempt, in a subtransaction: what it locked is released with it if
 * it fails, on this node and on the others.
 */
static void
lock_attempt(void *arg)
{
	LockAttempt *attempt = (LockAttempt *) arg;
	int			nestlevel = NewGUCNestLevel();
	List	   *taken = NIL;
	List	   *modes = NIL;

	attempt->start = GetCurrentTimestamp();
	attempt->remote = false;
	(void) take_locks(attempt->target, attempt, &taken, &modes);
	if (attempt->target->remote)
		remote_work(attempt);
	AtEOXact_GUC(true, nestlevel);
}

/* What every attempt waited for, as the detail of the final error. */
static int
errdetail_attempts(const DpLockTarget *target)
{
	if (target->remote)
		return errdetail("Each attempt waited at most %d ms for an ACCESS EXCLUSIVE lock on the table, its partitions or children and their shard placements on every node.",
						 dp_lock_timeout);
	if (target->mode != AccessExclusiveLock)
		return errdetail("Each attempt waited at most %d ms for an ACCESS SHARE lock on the table.",
						 dp_lock_timeout);
	if (target->descendants)
		return errdetail("Each attempt waited at most %d ms for an ACCESS EXCLUSIVE lock on the table and its partitions or children.",
						 dp_lock_timeout);
	return errdetail("Each attempt waited at most %d ms for an ACCESS EXCLUSIVE lock on the table.",
					 dp_lock_timeout);
}

/*
 * Lock target->relid in target->mode (and its descendants, and the audit
 * table, as asked) with bounded waits, and run target->work under the
 * locks; see the file header.  On success the locks belong to the caller's
 * transaction, target->relids lists the table and then every descendant as
 * they are under the locks, and target->attempts says how many attempts it
 * took.  When every attempt fails, raises 55P03.  Any other error (the
 * query canceled, a relation gone, a worker that cannot be reached) is
 * raised as itself.
 */
void
dp_lock_table(DpLockTarget *target)
{
	int			attempts = dp_lock_retries + 1;
	LockAttempt attempt;

	memset(&attempt, 0, sizeof(attempt));
	attempt.target = target;

	target->attempts = 1;
	if (!target->remote && lock_without_waiting(target))
	{
		if (target->work != NULL)
			target->work(target, target->work_arg);
		return;
	}

	for (int n = 1;; n++)
	{
		ErrorData  *edata;
		const char *waited_for;

		target->attempts = n;
		if (n > 1 && has_client() && !pq_check_connection())
			client_lost();
		edata = dp_try_in_subtransaction(lock_attempt, &attempt, true);
		if (edata == NULL)
		{
			if (!target->remote && target->work != NULL)
				target->work(target, target->work_arg);
			return;
		}
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE &&
			edata->sqlerrcode != ERRCODE_T_R_DEADLOCK_DETECTED)
			ReThrowError(edata);
		FreeErrorData(edata);

		if (n >= attempts)
		{
			waited_for = get_rel_name(attempt.waiting_for);
			if (waited_for == NULL)
				waited_for = target->relname;
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg_plural("could not lock table \"%s\" after %d attempt",
								   "could not lock table \"%s\" after %d attempts",
								   attempts, target->relname, attempts),
					 errdetail_attempts(target),
					 attempt.remote ?
					 errhint("Another transaction holds a lock on a shard placement of \"%s\" on a Citus node. Try again later, or raise defaults_policy.lock_timeout or defaults_policy.lock_retries.",
							 target->relname) :
					 errhint("Another transaction holds a lock on \"%s\". Try again later, or raise defaults_policy.lock_timeout or defaults_policy.lock_retries.",
							 waited_for)));
		}

		/* backoff: 50 ms doubling per attempt, at most 5 s, jitter +-50% */
		{
			double		base = Min(50.0 * (1 << Min(n - 1, 10)), 5000.0);

			sleep_ms((long) (base * (0.5 + pg_prng_double(&pg_global_prng_state))));
		}
	}
}
