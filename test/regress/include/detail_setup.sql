-- Loads pg_temp.err and the shared detail fixture quietly: the fixture's
-- own output is not part of any test. \i it at the top of a detail test.
\set QUIET on
\i test/regress/include/err.sql
\set ECHO none
\i test/regress/include/clips.sql
\o /dev/null
\i test/regress/include/detail_fixture.sql
\o
\set ECHO all
\set QUIET off
