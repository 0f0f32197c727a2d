-- 0.1 -> 0.2, Citus: JSON helpers take columns instead of a whole row (a row
-- type travels with the shard's name on Citus); the new ones are created with
-- the rest of the functions.
DROP FUNCTION convdash.agent_json(convdash.agents);
DROP FUNCTION convdash.message_json(convdash.messages, bigint);
