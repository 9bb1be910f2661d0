-- Choosing a free login ("prenom.nom", "prenom.nom2"...) reads the logins
-- that start with each base. LIKE ANY cannot use an index: on a territory of
-- 180,000 accounts every roster import read the whole table (1 s a school).
-- A byte-order index answers each prefix as a range.
CREATE INDEX users_login_prefix ON users (login text_pattern_ops);
