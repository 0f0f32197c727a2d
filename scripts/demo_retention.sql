-- Demo retention policy of the account :account_name: archived conversations
-- go one year after their last activity, closed ones after two years, and
-- the nightly job applies it (pg_cron when the cluster preloads it, as the
-- demo cluster does; else a message says to use cron).
SELECT convdash.set_retention(id, 'archived', '1 year') FROM convdash.accounts WHERE name = :'account_name';
SELECT convdash.set_retention(id, 'closed', '2 years') FROM convdash.accounts WHERE name = :'account_name';
SELECT current_setting('shared_preload_libraries') ~ 'pg_cron' AS cron \gset
\if :cron
CREATE EXTENSION IF NOT EXISTS pg_cron;
SELECT convdash.schedule_retention();
\else
\echo 'pg_cron is not loaded: apply the retention policy with SELECT convdash.apply_retention() from cron'
\endif
