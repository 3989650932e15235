-- 0005_metrics: the metrics read finds records resolved in a window without
-- walking every record ever opened. Only resolved (and closed) records carry
-- a resolution time, so the index holds those alone.
CREATE INDEX incidents_resolved ON incidents (resolved_at) WHERE resolved_at IS NOT NULL;
