-- Full-text search in French over what people may read: each message's body,
-- with its thread's subject for the message that opens the thread.
--
-- Accents and case are folded before the `french` configuration stems, so that
-- "ecole" finds "École" and "sorties" finds "sortie". The `unaccent` extension
-- would do the folding, but it is not everywhere: the embedded PostgreSQL of
-- `liaison run` (the pgserver wheel) ships without it, and a managed server may
-- not allow it. `search_fold` needs nothing but the core: Unicode
-- decomposition, then the combining marks dropped, then the few letters that
-- do not decompose (œ, æ, ß, ø, ł...). It is IMMUTABLE, so the same text always
-- gives the same document, here and in liaison/search/text.py (which mirrors it
-- to place the highlights of a snippet).
CREATE FUNCTION search_fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT translate(
            replace(replace(replace(replace(replace(replace(
                regexp_replace(normalize(value, NFD), '[\u0300-\u036f]', '', 'g'),
                'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'), 'ẞ', 'SS'),
            'øØđĐłŁıħĦ', 'oOdDlLihH')
    $$;

-- The searchable document of a message: the subject (weight A, so that a word
-- of the subject ranks above one of a reply) for the first message, and the body.
CREATE FUNCTION search_tsvector(subject text, body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT setweight(to_tsvector('french'::regconfig, search_fold(coalesce(subject, ''))), 'A')
            || to_tsvector('french'::regconfig, search_fold(coalesce(body, '')))
    $$;

-- A generated column cannot read the thread's subject (another table), so the
-- document is kept by triggers: on a message's insert and on any change of its
-- body (a correction), and on a change of a thread's subject (none today).
ALTER TABLE messages ADD COLUMN search_document tsvector NOT NULL DEFAULT ''::tsvector;

CREATE FUNCTION messages_search_document() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        NEW.search_document := search_tsvector(
            CASE WHEN NEW.seq = 1 THEN (SELECT subject FROM threads WHERE id = NEW.thread_id) END,
            NEW.body);
        RETURN NEW;
    END
    $$;

CREATE TRIGGER messages_search_document BEFORE INSERT OR UPDATE OF body ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_search_document();

CREATE FUNCTION threads_search_subject() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        UPDATE messages SET search_document = search_tsvector(NEW.subject, body)
            WHERE thread_id = NEW.id AND seq = 1;
        RETURN NULL;
    END
    $$;

CREATE TRIGGER threads_search_subject AFTER UPDATE OF subject ON threads
    FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject)
    EXECUTE FUNCTION threads_search_subject();

UPDATE messages m SET search_document = search_tsvector(CASE WHEN m.seq = 1 THEN t.subject END, m.body)
    FROM threads t WHERE t.id = m.thread_id;

CREATE INDEX messages_search ON messages USING gin (search_document);
