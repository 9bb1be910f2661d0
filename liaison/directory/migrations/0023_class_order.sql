-- Classes in school order (TPS, PS, MS, GS, CP, CE1, CE2, CM1, CM2, then the
-- others: ULIS, UPE2A...), never alphabetically ("CE1" before "CP" is wrong
-- to everyone in a school). The rank is read from the comparison form of the
-- name (`name_key`: lower case, no accents, dashes as spaces); a class of two
-- levels ("CE2-CM1") takes its lower one. Every list of classes sorts by
-- `level_rank, name`.
CREATE FUNCTION class_level_rank(name_key text) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE
        WHEN name_key ~ '\m(tps|toute petite)' THEN 0
        WHEN name_key ~ '\m(ps([^a-z0-9]|$)|petite)' THEN 1
        WHEN name_key ~ '\m(ms([^a-z0-9]|$)|moyenne)' THEN 2
        WHEN name_key ~ '\m(gs([^a-z0-9]|$)|grande)' THEN 3
        WHEN name_key ~ '\m(cp([^0-9]|$)|cours preparatoire)' THEN 4
        WHEN name_key ~ '\m(ce ?1([^0-9]|$)|cours elementaire 1|cours elementaire premiere)' THEN 5
        WHEN name_key ~ '\m(ce ?2([^0-9]|$)|cours elementaire 2|cours elementaire deuxieme)' THEN 6
        WHEN name_key ~ '\m(cm ?1([^0-9]|$)|cours moyen 1|cours moyen premiere)' THEN 7
        WHEN name_key ~ '\m(cm ?2([^0-9]|$)|cours moyen 2|cours moyen deuxieme)' THEN 8
        ELSE 9
    END::smallint
    $$;

ALTER TABLE classes
    ADD COLUMN level_rank smallint NOT NULL GENERATED ALWAYS AS (class_level_rank(name_key)) STORED;
CREATE INDEX classes_school_order ON classes (school_id, level_rank, name);
