-- Upgrade convdash from 0.1 to 0.2 (in development; nothing has changed yet).
-- Every schema change after a release goes here as well as into sql/parts/,
-- so that existing installations follow with ALTER EXTENSION convdash UPDATE.
\echo Use "ALTER EXTENSION convdash UPDATE TO '0.2'" to load this file. \quit
