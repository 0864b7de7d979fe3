-- The subscribers table joins the reference tables whose changes the engine follows: which
-- networks are the operator's own (the most common home network of its subscribers, when not
-- configured) is cached per process and read again only after a change.
INSERT INTO diag_reference_versions (name) VALUES ('subscribers') ON CONFLICT (name) DO NOTHING;

CREATE OR REPLACE TRIGGER diag_subscribers_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON subscribers
    FOR EACH STATEMENT EXECUTE FUNCTION diag_bump_reference_version('subscribers');
