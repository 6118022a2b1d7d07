-- Append-only as the database enforces it (issue 12): the audit log and the legal aid history
-- refuse UPDATE and DELETE, whoever asks. Nothing in loa changes or deletes their rows
-- (housekeeping forgets message bodies, sessions, exchanges and uploads, never these); keeping
-- them for less time would be a migration that drops these triggers on purpose.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER legal_aid_history_no_update BEFORE UPDATE ON legal_aid_history
BEGIN
    SELECT RAISE(ABORT, 'legal_aid_history is append-only');
END;
CREATE TRIGGER legal_aid_history_no_delete BEFORE DELETE ON legal_aid_history
BEGIN
    SELECT RAISE(ABORT, 'legal_aid_history is append-only');
END;

-- A request from a phone in no household belongs to a province (the configured home province,
-- else the only one): the requests made before this rule go to the only province, if there is
-- one; otherwise they stay for admins only.
UPDATE legal_aid_requests
   SET province_code = (SELECT code FROM areas WHERE level = 'province')
 WHERE village_code IS NULL AND province_code IS NULL
   AND (SELECT COUNT(*) FROM areas WHERE level = 'province') = 1;
