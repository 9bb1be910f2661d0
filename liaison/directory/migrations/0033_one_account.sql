-- One person, one account: a guardian known in two schools has an identity
-- in each (the names and email each school's roster gives), all naming the
-- same account. An account may even carry two identities in one school (the
-- same address under two spellings of a name).
ALTER TABLE guardian_identities DROP CONSTRAINT guardian_identities_user_id_key;
CREATE INDEX guardian_identities_user ON guardian_identities (user_id);
