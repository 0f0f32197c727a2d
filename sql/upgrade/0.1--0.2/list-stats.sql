-- Upgrade 0.1 -> 0.2, list plans (issue 13): statistics of status and rating
-- together, so that the planner knows active conversations are not rated
-- (filters on both no longer walk a sort index for rows that do not exist).
CREATE STATISTICS convdash.conversations_status_rating_stats (mcv)
	ON status, rating, (coalesce(rating, 0)) FROM convdash.conversations;
ANALYZE convdash.conversations;
