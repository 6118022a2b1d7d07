-- Append-only as the database enforces it (issue 12): the audit log and the legal aid history
-- refuse UPDATE, DELETE and TRUNCATE, whoever asks. Nothing in loa changes or deletes their rows
-- (housekeeping forgets message bodies, sessions, exchanges and uploads, never these); keeping
-- them for less time would be a migration that drops these triggers on purpose.
CREATE FUNCTION loa_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION loa_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION loa_refuse_change();
CREATE TRIGGER legal_aid_history_append_only BEFORE UPDATE OR DELETE ON legal_aid_history
    FOR EACH ROW EXECUTE FUNCTION loa_refuse_change();
CREATE TRIGGER legal_aid_history_no_truncate BEFORE TRUNCATE ON legal_aid_history
    FOR EACH STATEMENT EXECUTE FUNCTION loa_refuse_change();

-- A request from a phone in no household belongs to a province (the configured home province,
-- else the only one): the requests made before this rule go to the only province, if there is
-- one; otherwise they stay for admins only.
UPDATE legal_aid_requests
   SET province_code = (SELECT code FROM areas WHERE level = 'province')
 WHERE village_code IS NULL AND province_code IS NULL
   AND (SELECT COUNT(*) FROM areas WHERE level = 'province') = 1;
