--
-- integrity: the guard on the extension's tables, and disallowing a
-- function while a policy cannot be checked
--
-- The guard trigger lets through the writes the extension makes itself and
-- a superuser's.  It does not depend on the extension's owner being a
-- superuser: an owner that lost superuser must not break the functions for
-- a superuser caller.  The tables stay owned by the extension's owner, who
-- is trusted (an owner can disable any trigger on its tables).
--
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE FUNCTION attempt(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	e_state	text;
	e_msg	text;
	e_det	text;
BEGIN
	EXECUTE statement;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT,
		e_det = PG_EXCEPTION_DETAIL;
	RETURN e_state || ': ' || e_msg || coalesce(' DETAIL: ' || nullif(e_det, ''), '');
END
$$;
GRANT EXECUTE ON FUNCTION attempt(text) TO PUBLIC;

-- installed by a superuser that later loses superuser
CREATE ROLE regress_dp_owner SUPERUSER;
SET SESSION AUTHORIZATION regress_dp_owner;
CREATE EXTENSION defaults_policy;
RESET SESSION AUTHORIZATION;
ALTER ROLE regress_dp_owner NOSUPERUSER;
SELECT c.relname, pg_get_userbyid(c.relowner) AS owner
FROM pg_class AS c
WHERE c.relname IN ('default_policy', 'default_policy_allowlist_entries',
					'default_policy_allowlist_removed', 'default_policy_audit')
ORDER BY 1;

-- a superuser caller: every function still works and is audited
CREATE FUNCTION tenant_id() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 42';
SELECT attempt($$SELECT create_default_policy('zero', 'integer', '0')$$) AS create_policy;
SELECT attempt($$SELECT alter_default_policy('zero', description => 'nothing')$$) AS alter_policy;
SELECT attempt($$SELECT allow_default_function('tenant_id()')$$) AS allow;
SELECT attempt($$SELECT disallow_default_function('tenant_id()')$$) AS disallow;
SELECT attempt($$SELECT disallow_default_function('clock_timestamp()')$$) AS disallow_seed;
SELECT attempt($$SELECT allow_default_function('clock_timestamp()')$$) AS allow_seed;
SELECT attempt($$SELECT drop_default_policy('zero')$$) AS drop_policy;
SELECT action, current_user_name = current_user AS by_me FROM default_policy_audit ORDER BY id;

-- the owner, now a plain role, is refused direct writes like anyone else
SET ROLE regress_dp_owner;
SELECT attempt($$INSERT INTO default_policy_allowlist_entries (signature) VALUES ('pg_catalog.random()')$$) AS owner_insert;
RESET ROLE;

-- the flag that lets the extension's writes through never outlives them:
-- a caller whose call fails inside one of those writes, and who catches the
-- error, is still refused a direct write afterwards in the same transaction
CREATE ROLE regress_dp_writer IN ROLE pg_write_all_data;
GRANT EXECUTE ON FUNCTION create_default_policy(text, text, text, boolean, text) TO regress_dp_writer;
CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'refused by a trigger';
END $$;
CREATE TRIGGER refuse_insert BEFORE INSERT ON default_policy
	FOR EACH ROW EXECUTE FUNCTION refuse_insert();
SET ROLE regress_dp_writer;
BEGIN;
SELECT attempt($$SELECT create_default_policy('caught', 'integer', '0')$$) AS caught;
SELECT attempt($$INSERT INTO default_policy_audit (at, txid, session_user_name, current_user_name, action)
	VALUES (now(), pg_current_xact_id(), 'someone_else', 'someone_else', 'forged')$$) AS direct_write;
COMMIT;
RESET ROLE;
DROP TRIGGER refuse_insert ON default_policy;
DROP FUNCTION refuse_insert();
SELECT count(*) AS forged FROM default_policy_audit WHERE action = 'forged';

--
-- disallow_default_function() re-checks every policy to find those that use
-- the function.  A policy that can no longer be validated (here its type was
-- dropped) might use it: the removal is refused, naming the policy.
--
CREATE DOMAIN stamp AS timestamptz;
SELECT name, column_type, expression FROM create_default_policy('stamped', 'stamp', 'now()');
SELECT name, column_type, expression FROM create_default_policy('counted', 'integer', '1');
DROP DOMAIN stamp;
SELECT attempt($$SELECT disallow_default_function('now()')$$) AS disallow_now;
SELECT attempt($$SELECT disallow_default_function('gen_random_uuid()')$$) AS disallow_other;
SELECT count(*) AS seeds FROM default_policy_allowlist WHERE builtin;
-- once the policy is gone, the removal goes through
SELECT drop_default_policy('stamped');
SELECT attempt($$SELECT disallow_default_function('now()')$$) AS disallow_now;

DROP EXTENSION defaults_policy;
DROP FUNCTION tenant_id();
DROP FUNCTION attempt(text);
DROP ROLE regress_dp_writer;
DROP ROLE regress_dp_owner;
